import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';

export function StatCard(props: {
  label: string;
  value: ReactNode;
  detail?: ReactNode;
  accent?: string;
  testId?: string;
}) {
  return (
    <Paper
      variant="outlined"
      data-testid={props.testId}
      sx={{ p: 2, height: '100%', borderLeft: props.accent ? `4px solid ${props.accent}` : undefined }}
    >
      <Typography variant="body2" color="text.secondary" sx={{ fontWeight: 600 }}>
        {props.label}
      </Typography>
      <Typography
        variant="h5"
        component="div"
        sx={{ mt: 0.5, fontVariantNumeric: 'tabular-nums', overflowWrap: 'anywhere' }}
      >
        {props.value}
      </Typography>
      {props.detail && <Box sx={{ mt: 0.5, color: 'text.secondary', fontSize: 13 }}>{props.detail}</Box>}
    </Paper>
  );
}
