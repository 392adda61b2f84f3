import Alert from '@mui/material/Alert';
import Snackbar from '@mui/material/Snackbar';
import { useLens } from '../store/context';

/** Standalone toasts (inside Docker Desktop, notify() goes to ddClient.desktopUI.toast instead). */
export function Notifier() {
  const toast = useLens((s) => s.toasts[0]);
  const dismiss = useLens((s) => s.dismissToast);
  if (!toast) return null;
  return (
    <Snackbar
      key={toast.id}
      open
      autoHideDuration={toast.severity === 'error' ? 10_000 : 6_000}
      onClose={(_e, reason) => {
        if (reason !== 'clickaway') dismiss(toast.id);
      }}
      anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
    >
      <Alert
        severity={toast.severity}
        variant="filled"
        onClose={() => dismiss(toast.id)}
        sx={{ maxWidth: 520 }}
        data-testid="toast"
      >
        {toast.message}
      </Alert>
    </Snackbar>
  );
}
