import Chip from '@mui/material/Chip';
import type { Severity } from '../api/types';

const LABEL: Record<Severity, string> = { error: 'Error', warning: 'Warning', info: 'Info' };

export function SeverityChip({
  severity,
  size = 'small',
}: {
  severity: Severity;
  size?: 'small' | 'medium';
}) {
  return (
    <Chip
      size={size}
      label={LABEL[severity]}
      color={severity === 'info' ? 'info' : severity}
      variant={severity === 'error' ? 'filled' : 'outlined'}
      sx={{ fontWeight: 600, minWidth: 68 }}
    />
  );
}

export function PollutedChip({ polluted }: { polluted: boolean | undefined }) {
  if (polluted === undefined) return <Chip size="small" label="Not analysed" variant="outlined" />;
  return polluted ? (
    <Chip size="small" color="warning" label="Polluted" sx={{ fontWeight: 600 }} />
  ) : (
    <Chip size="small" color="success" variant="outlined" label="Clean" />
  );
}
