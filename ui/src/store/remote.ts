import { toApiError } from '../api/client';
import type { ErrorInfo, Remote } from './types';

export const idle = <T>(): Remote<T> => ({ status: 'idle' });

/** Loading keeps the previous data, so views can show it while refreshing. */
export const loading = <T>(prev?: Remote<T>): Remote<T> => ({ status: 'loading', data: prev?.data });

export const ready = <T>(data: T): Remote<T> => ({ status: 'ready', data });

export function failed<T>(e: unknown, prev?: Remote<T>): Remote<T> {
  return { status: 'error', data: prev?.data, error: errorInfo(e) };
}

export function errorInfo(e: unknown): ErrorInfo {
  const err = toApiError(e);
  return { code: err.code, message: err.message };
}
