import Box from '@mui/material/Box';
import { alpha, useTheme } from '@mui/material/styles';
import { useMemo } from 'react';
import { sideBySide, type DiffRow } from '../lib/lineDiff';

/** Original and fixed Dockerfile side by side; long lines wrap so rows stay aligned. */
export function DiffView({ before, after }: { before: string; after: string }) {
  const theme = useTheme();
  const rows = useMemo(() => sideBySide(before, after), [before, after]);
  const dark = theme.palette.mode === 'dark';
  const removed = alpha(theme.palette.error.main, dark ? 0.22 : 0.12);
  const added = alpha(theme.palette.success.main, dark ? 0.22 : 0.13);
  const cell = (side: 'left' | 'right', row: DiffRow) => {
    const line = row[side];
    const changed = row.kind !== 'same' && line !== undefined;
    const bg = !line ? theme.palette.action.hover : changed ? (side === 'left' ? removed : added) : undefined;
    return [
      <Box
        key={`${side}-no`}
        sx={{
          px: 1,
          textAlign: 'right',
          color: 'text.disabled',
          bgcolor: bg,
          userSelect: 'none',
          borderLeft: side === 'right' ? 1 : 0,
          borderColor: 'divider',
        }}
      >
        {line?.no ?? ''}
      </Box>,
      <Box
        key={`${side}-text`}
        data-diff={changed ? (side === 'left' ? 'removed' : 'added') : undefined}
        sx={{ pr: 1, pl: 0.5, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', bgcolor: bg, minWidth: 0 }}
      >
        {changed ? (side === 'left' ? '- ' : '+ ') : '  '}
        {line?.text ?? ''}
      </Box>,
    ];
  };
  return (
    <Box
      data-testid="diff"
      role="table"
      aria-label="Original and fixed Dockerfile"
      sx={{
        display: 'grid',
        gridTemplateColumns: 'auto minmax(0, 1fr) auto minmax(0, 1fr)',
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
        fontSize: 12.5,
        lineHeight: '19px',
        border: 1,
        borderColor: 'divider',
        borderRadius: 1,
        overflow: 'hidden',
        bgcolor: 'background.paper',
      }}
    >
      <Box
        sx={{
          gridColumn: '1 / 3',
          px: 1,
          py: 0.5,
          fontWeight: 600,
          fontFamily: theme.typography.fontFamily,
          borderBottom: 1,
          borderColor: 'divider',
        }}
      >
        Original
      </Box>
      <Box
        sx={{
          gridColumn: '3 / 5',
          px: 1,
          py: 0.5,
          fontWeight: 600,
          fontFamily: theme.typography.fontFamily,
          borderBottom: 1,
          borderLeft: 1,
          borderColor: 'divider',
        }}
      >
        Fixed
      </Box>
      {rows.map((row, i) => {
        const [lNo, lText] = cell('left', row);
        const [rNo, rText] = cell('right', row);
        return (
          <Box key={i} role="row" sx={{ display: 'contents' }}>
            {lNo}
            {lText}
            {rNo}
            {rText}
          </Box>
        );
      })}
    </Box>
  );
}
