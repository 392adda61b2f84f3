import Box from '@mui/material/Box';
import Tooltip from '@mui/material/Tooltip';
import { useTheme } from '@mui/material/styles';
import { formatBytes, percent } from '../lib/format';
import { trackColor } from '../theme/colors';

export interface Segment {
  key: string;
  label: string;
  value: number;
  color: string;
}

/** Segments side by side; the bar's length is `total` of `max` so several bars compare. */
export function StackedBar(props: { segments: Segment[]; max: number; height?: number; label: string }) {
  const theme = useTheme();
  const { segments, max, height = 22, label } = props;
  const total = segments.reduce((a, s) => a + s.value, 0);
  return (
    <Box
      role="img"
      aria-label={label}
      sx={{ width: '100%', height, borderRadius: 1, bgcolor: trackColor(theme), overflow: 'hidden' }}
    >
      <Box sx={{ display: 'flex', width: `${percent(total, max)}%`, height: '100%' }}>
        {segments
          .filter((s) => s.value > 0)
          .map((s) => (
            <Tooltip key={s.key} title={`${s.label}: ${formatBytes(s.value)}`} arrow>
              <Box
                data-segment={s.key}
                sx={{
                  flexGrow: s.value,
                  flexBasis: 0,
                  minWidth: 3,
                  bgcolor: s.color,
                  borderRight: `1px solid ${theme.palette.background.paper}`,
                  '&:last-of-type': { borderRight: 'none' },
                }}
              />
            </Tooltip>
          ))}
      </Box>
    </Box>
  );
}

export function Legend(props: { items: { key: string; label: string; color: string; value?: number }[] }) {
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', columnGap: 2, rowGap: 0.5 }}>
      {props.items.map((i) => (
        <Box key={i.key} sx={{ display: 'flex', alignItems: 'center', gap: 0.75, fontSize: 13 }}>
          <Box sx={{ width: 12, height: 12, borderRadius: 0.5, bgcolor: i.color, flexShrink: 0 }} />
          <span>
            {i.label}
            {i.value !== undefined ? `: ${formatBytes(i.value)}` : ''}
          </span>
        </Box>
      ))}
    </Box>
  );
}
