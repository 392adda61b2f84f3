import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { DesktopClient, LensClient } from '../api/client';
import type { LensState } from './types';

interface LensContextValue {
  store: StoreApi<LensState>;
  client: LensClient;
  desktop?: DesktopClient;
}

const LensContext = createContext<LensContextValue | null>(null);

export function LensProvider(props: LensContextValue & { children: ReactNode }) {
  const { children, ...value } = props;
  return <LensContext.Provider value={value}>{children}</LensContext.Provider>;
}

function useLensContext(): LensContextValue {
  const ctx = useContext(LensContext);
  if (!ctx) throw new Error('LensProvider is missing');
  return ctx;
}

/** Selects from the app store; re-renders only when the selected value changes. */
export function useLens<T>(selector: (s: LensState) => T): T {
  return useStore(useLensContext().store, selector);
}

export function useLensStore(): StoreApi<LensState> {
  return useLensContext().store;
}

export function useDesktop(): DesktopClient | undefined {
  return useLensContext().desktop;
}
