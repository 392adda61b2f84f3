import Box from '@mui/material/Box';
import { useTheme } from '@mui/material/styles';
import { percent } from '../lib/format';
import { trackColor } from '../theme/colors';

/** A horizontal bar: `value` of `max`, drawn with plain boxes. */
export function SizeBar(props: {
  value: number;
  max: number;
  color?: string;
  height?: number;
  label: string;
}) {
  const theme = useTheme();
  const { value, max, color = theme.palette.primary.main, height = 8, label } = props;
  const width = percent(value, max);
  return (
    <Box
      role="img"
      aria-label={label}
      sx={{ width: '100%', height, borderRadius: height / 2, bgcolor: trackColor(theme), overflow: 'hidden' }}
    >
      <Box
        sx={{
          width: `${width}%`,
          minWidth: value > 0 ? 2 : 0,
          height: '100%',
          bgcolor: color,
          borderRadius: height / 2,
        }}
      />
    </Box>
  );
}
