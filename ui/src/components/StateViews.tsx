import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import type { ErrorInfo } from '../store/types';

export function LoadingState({ label }: { label: string }) {
  return (
    <Box
      role="status"
      sx={{ display: 'flex', alignItems: 'center', gap: 1.5, py: 4, justifyContent: 'center' }}
    >
      <CircularProgress size={20} />
      <Typography color="text.secondary">{label}</Typography>
    </Box>
  );
}

export function EmptyState(props: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <Box
      sx={{
        display: 'flex',
        flexDirection: 'column',
        alignItems: 'center',
        textAlign: 'center',
        gap: 1,
        py: 5,
        px: 2,
        color: 'text.secondary',
      }}
    >
      {props.icon && <Box sx={{ fontSize: 40, lineHeight: 0, color: 'text.disabled' }}>{props.icon}</Box>}
      <Typography variant="h6" color="text.primary">
        {props.title}
      </Typography>
      {props.children && <Typography sx={{ maxWidth: 560 }}>{props.children}</Typography>}
      {props.action && <Box sx={{ mt: 1 }}>{props.action}</Box>}
    </Box>
  );
}

/** Plain-words titles and hints for the error codes users meet. */
export function describeError(error: ErrorInfo): { title: string; hint?: string } {
  switch (error.code) {
    case 'engine-unavailable':
      return {
        title: 'The Docker engine is not reachable',
        hint: 'Start Docker (or check DOCKER_HOST), then retry.',
      };
    case 'network':
      return {
        title: 'The GoCache Lens backend does not answer',
        hint: 'Is `gocache-lens serve` still running?',
      };
    case 'forbidden':
      return {
        title: 'The backend refused the request',
        hint: 'Open the page with the link `gocache-lens serve` printed: it carries the access token.',
      };
    case 'not-found':
      return { title: 'Not found', hint: 'It may have been removed meanwhile.' };
    case 'engine-error':
      return { title: 'The Docker engine answered with an error' };
    case 'bad-response':
      return { title: 'The backend answered something this page does not understand' };
    default:
      return { title: 'Something went wrong' };
  }
}

export function ErrorState(props: { error: ErrorInfo; title?: string; onRetry?: () => void }) {
  const d = describeError(props.error);
  return (
    <Alert
      severity="error"
      variant="outlined"
      sx={{ my: 2 }}
      action={
        props.onRetry && (
          <Button color="inherit" size="small" onClick={props.onRetry}>
            Retry
          </Button>
        )
      }
    >
      <AlertTitle>{props.title ?? d.title}</AlertTitle>
      {props.error.message}
      {d.hint && (
        <Typography variant="body2" sx={{ mt: 0.5, opacity: 0.85 }}>
          {d.hint}
        </Typography>
      )}
    </Alert>
  );
}
