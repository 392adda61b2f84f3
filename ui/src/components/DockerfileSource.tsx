import Box from '@mui/material/Box';
import { alpha, useTheme } from '@mui/material/styles';
import { forwardRef, useImperativeHandle, useRef } from 'react';
import type { DoctorFinding } from '../api/types';
import { splitLines } from '../lib/lineDiff';
import { lineMarks, type DockerfileEditorHandle } from './DockerfileEditor';

export type DockerfileSourceHandle = DockerfileEditorHandle;

/**
 * A Dockerfile as built, read-only, with line numbers: the lines doctor findings point at are painted by
 * severity, the instruction a failed build stopped at is marked, and a selected range is outlined.
 * Long lines wrap, each row keeping its number.
 */
export const DockerfileSource = forwardRef<
  DockerfileSourceHandle,
  {
    text: string;
    findings: readonly DoctorFinding[];
    /** The failing instruction of a failed build. */
    failing?: { startLine: number; endLine: number } | null;
    /** Lines of the finding the user picked. */
    selected?: { line: number; endLine: number };
    maxHeight?: number;
    label?: string;
  }
>(function DockerfileSource(props, ref) {
  const theme = useTheme();
  const box = useRef<HTMLDivElement>(null);
  const lines = splitLines(props.text);
  const marks = lineMarks([...props.findings]);
  const dark = theme.palette.mode === 'dark';
  const color = (s: DoctorFinding['severity']) =>
    s === 'error'
      ? theme.palette.error.main
      : s === 'warning'
        ? theme.palette.warning.main
        : theme.palette.info.main;
  const inRange = (n: number, r?: { line?: number; startLine?: number; endLine: number } | null) => {
    const start = r ? (r.line ?? r.startLine ?? 0) : 0;
    return r !== undefined && r !== null && start > 0 && n >= start && n <= Math.max(start, r.endLine);
  };

  useImperativeHandle(ref, () => ({
    revealLines(line) {
      const el = box.current;
      const row = el?.querySelector<HTMLElement>(`[data-line="${line}"]`);
      if (!el || !row) return;
      el.scrollTop = Math.max(0, row.offsetTop - el.clientHeight / 3);
    },
  }));

  return (
    <Box
      ref={box}
      role="region"
      aria-label={props.label ?? 'Dockerfile source'}
      data-testid="dockerfile-source"
      sx={{
        position: 'relative',
        border: 1,
        borderColor: 'divider',
        borderRadius: 1,
        bgcolor: 'background.paper',
        overflow: 'auto',
        maxHeight: props.maxHeight ?? 520,
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
        fontSize: 13,
        lineHeight: '20px',
        py: 0.5,
      }}
    >
      {lines.map((text, i) => {
        const n = i + 1;
        const mark = marks.get(n);
        const failing = inRange(n, props.failing);
        const selected = inRange(n, props.selected);
        const accent = failing ? theme.palette.error.main : mark ? color(mark) : undefined;
        const bg = failing
          ? alpha(theme.palette.error.main, dark ? 0.28 : 0.16)
          : mark
            ? alpha(color(mark), dark ? 0.18 : 0.11)
            : undefined;
        return (
          <Box
            key={n}
            data-line={n}
            data-mark={mark}
            data-failing={failing ? 'true' : undefined}
            data-selected={selected ? 'true' : undefined}
            sx={{
              display: 'grid',
              gridTemplateColumns: '44px minmax(0, 1fr)',
              bgcolor: bg,
              boxShadow: selected ? `inset 0 0 0 1px ${theme.palette.primary.main}` : undefined,
            }}
          >
            <Box
              aria-hidden
              sx={{
                textAlign: 'right',
                pr: 1,
                userSelect: 'none',
                color: accent ?? 'text.disabled',
                fontWeight: accent ? 700 : undefined,
                borderRight: 1,
                borderColor: 'divider',
              }}
            >
              {n}
            </Box>
            <Box
              component="span"
              sx={{
                pl: 1,
                pr: 1,
                whiteSpace: 'pre-wrap',
                overflowWrap: 'anywhere',
                borderLeft: `3px solid ${accent ?? 'transparent'}`,
              }}
            >
              {failing && n === props.failing?.startLine && (
                <Box
                  component="span"
                  data-testid="failed-here"
                  sx={{
                    float: 'right',
                    ml: 1,
                    px: 0.75,
                    mt: '1px',
                    borderRadius: 1,
                    bgcolor: 'error.main',
                    color: 'error.contrastText',
                    fontFamily: theme.typography.fontFamily,
                    fontSize: 11,
                    fontWeight: 700,
                    lineHeight: '18px',
                    userSelect: 'none',
                  }}
                >
                  the build failed here
                </Box>
              )}
              {text === '' ? ' ' : text}
            </Box>
          </Box>
        );
      })}
    </Box>
  );
});
