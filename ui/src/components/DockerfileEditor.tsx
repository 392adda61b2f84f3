import Box from '@mui/material/Box';
import { alpha, useTheme } from '@mui/material/styles';
import { forwardRef, useImperativeHandle, useRef, useState, type DragEvent } from 'react';
import type { DoctorFinding } from '../api/types';

const LINE_HEIGHT = 20;
const PAD = 8;

export interface DockerfileEditorHandle {
  /** Scrolls to a line range and selects it. */
  revealLines(line: number, endLine: number): void;
}

/** Severity of the worst finding on each 1-based line. */
export function lineMarks(findings: DoctorFinding[]): Map<number, DoctorFinding['severity']> {
  const rank = { info: 0, warning: 1, error: 2 } as const;
  const marks = new Map<number, DoctorFinding['severity']>();
  for (const f of findings) {
    if (f.line < 1) continue;
    const end = Math.max(f.line, f.endLine || f.line);
    for (let l = f.line; l <= end; l++) {
      const cur = marks.get(l);
      if (!cur || rank[f.severity] > rank[cur]) marks.set(l, f.severity);
    }
  }
  return marks;
}

/**
 * A plain textarea over a layer that paints the lines findings point at, with a line-number gutter.
 * Lines do not wrap, so both layers stay aligned while scrolling.
 */
export const DockerfileEditor = forwardRef<
  DockerfileEditorHandle,
  {
    value: string;
    onChange(value: string): void;
    onDropFile(file: File): void;
    findings: DoctorFinding[];
    placeholder?: string;
    minRows?: number;
  }
>(function DockerfileEditor(props, ref) {
  const theme = useTheme();
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const [dragging, setDragging] = useState(false);
  const lines = props.value.split('\n');
  const marks = lineMarks(props.findings);
  const rows = Math.max(props.minRows ?? 12, Math.min(lines.length + 2, 30));
  const color = (s: DoctorFinding['severity']) =>
    s === 'error'
      ? theme.palette.error.main
      : s === 'warning'
        ? theme.palette.warning.main
        : theme.palette.info.main;

  useImperativeHandle(ref, () => ({
    revealLines(line, endLine) {
      const el = area.current;
      if (!el) return;
      const all = el.value.split('\n');
      let start = 0;
      for (let i = 0; i < line - 1 && i < all.length; i++) start += all[i]!.length + 1;
      let end = start;
      for (let i = line - 1; i < Math.max(line, endLine) && i < all.length; i++) end += all[i]!.length + 1;
      el.focus();
      el.setSelectionRange(start, Math.max(start, end - 1));
      el.scrollTop = Math.max(0, (line - 3) * LINE_HEIGHT);
    },
  }));

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) props.onDropFile(file);
  };

  const font = {
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: 13,
    lineHeight: `${LINE_HEIGHT}px`,
  };
  return (
    <Box
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid="dockerfile-editor"
      sx={{
        position: 'relative',
        display: 'flex',
        height: rows * LINE_HEIGHT + 2 * PAD,
        border: 1,
        borderColor: dragging ? 'primary.main' : 'divider',
        outline: dragging ? `2px dashed ${theme.palette.primary.main}` : 'none',
        borderRadius: 1,
        bgcolor: 'background.paper',
        overflow: 'hidden',
        '&:focus-within': { borderColor: 'primary.main' },
      }}
    >
      <Box
        aria-hidden
        sx={{
          ...font,
          width: 44,
          flexShrink: 0,
          textAlign: 'right',
          pr: 1,
          color: 'text.disabled',
          bgcolor: 'action.hover',
          overflow: 'hidden',
          userSelect: 'none',
        }}
      >
        <Box sx={{ transform: `translateY(${PAD - scroll.top}px)` }}>
          {lines.map((_, i) => {
            const mark = marks.get(i + 1);
            return (
              <div key={i} style={mark ? { color: color(mark), fontWeight: 700 } : undefined}>
                {i + 1}
              </div>
            );
          })}
        </Box>
      </Box>
      <Box sx={{ position: 'relative', flex: 1, minWidth: 0 }}>
        <Box aria-hidden sx={{ position: 'absolute', inset: 0, overflow: 'hidden', pointerEvents: 'none' }}>
          <Box sx={{ transform: `translateY(${PAD - scroll.top}px)` }}>
            {lines.map((_, i) => {
              const mark = marks.get(i + 1);
              return (
                <div
                  key={i}
                  data-mark={mark}
                  style={{
                    height: LINE_HEIGHT,
                    background: mark
                      ? alpha(color(mark), theme.palette.mode === 'dark' ? 0.2 : 0.13)
                      : undefined,
                    borderLeft: mark ? `3px solid ${color(mark)}` : '3px solid transparent',
                  }}
                />
              );
            })}
          </Box>
        </Box>
        <Box
          component="textarea"
          ref={area}
          value={props.value}
          placeholder={props.placeholder}
          spellCheck={false}
          wrap="off"
          aria-label="Dockerfile"
          onChange={(e) => props.onChange(e.target.value)}
          onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })}
          sx={{
            ...font,
            position: 'absolute',
            inset: 0,
            width: '100%',
            height: '100%',
            m: 0,
            p: `${PAD}px`,
            pl: '10px',
            border: 'none',
            outline: 'none',
            resize: 'none',
            bgcolor: 'transparent',
            color: 'text.primary',
            whiteSpace: 'pre',
            overflow: 'auto',
            caretColor: theme.palette.text.primary,
            '&::placeholder': { color: 'text.disabled' },
          }}
        />
      </Box>
    </Box>
  );
});
