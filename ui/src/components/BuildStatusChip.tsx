import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import CancelIcon from '@mui/icons-material/Cancel';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import type { BuildStatus } from '../api/types';
import { BUILD_STATUS_LABEL } from '../lib/builds';

export function BuildStatusChip({ status }: { status: BuildStatus }) {
  const label = BUILD_STATUS_LABEL[status];
  switch (status) {
    case 'running':
      return (
        <Chip
          size="small"
          color="info"
          variant="outlined"
          icon={<CircularProgress size={12} color="inherit" sx={{ ml: '6px !important' }} />}
          label={label}
          data-status={status}
          sx={{ fontWeight: 600 }}
        />
      );
    case 'completed':
      return (
        <Chip
          size="small"
          color="success"
          variant="outlined"
          icon={<CheckCircleIcon />}
          label={label}
          data-status={status}
        />
      );
    case 'failed':
      return (
        <Chip
          size="small"
          color="error"
          icon={<ErrorIcon />}
          label={label}
          data-status={status}
          sx={{ fontWeight: 600 }}
        />
      );
    default:
      return (
        <Chip size="small" variant="outlined" icon={<CancelIcon />} label={label} data-status={status} />
      );
  }
}
