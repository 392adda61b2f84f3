import type { SliceCreator } from './types';

export type ToastSeverity = 'success' | 'info' | 'warning' | 'error';

export interface Toast {
  id: number;
  severity: ToastSeverity;
  message: string;
}

/**
 * The one notifier. Inside Docker Desktop it forwards to `ddClient.desktopUI.toast`; standalone it queues
 * toasts that the Notifier component shows as a snackbar.
 */
export interface NotifySlice {
  toasts: Toast[];
  notify(severity: ToastSeverity, message: string): void;
  dismissToast(id: number): void;
}

export const createNotifySlice: SliceCreator<NotifySlice> = (set, get, deps) => {
  let next = 1;
  return {
    toasts: [],
    notify(severity, message) {
      const dd = deps.desktop?.desktopUI.toast;
      if (dd) {
        // Docker Desktop has no "info" toast.
        if (severity === 'error') dd.error(message);
        else if (severity === 'warning') dd.warning(message);
        else dd.success(message);
        return;
      }
      set({ toasts: [...get().toasts, { id: next++, severity, message }] });
    },
    dismissToast(id) {
      set({ toasts: get().toasts.filter((t) => t.id !== id) });
    },
  };
};
