import { alpha, type Theme } from '@mui/material/styles';

export type SizeCategory = 'base' | 'moduleCache' | 'buildCache' | 'wasted' | 'rest';

export const CATEGORY_LABELS: Record<SizeCategory, string> = {
  base: 'Base layers',
  moduleCache: 'Go module cache',
  buildCache: 'Go build cache',
  wasted: 'Deleted later (still shipped)',
  rest: 'Everything else',
};

/** Colours that keep their meaning in light and dark themes (and in Docker's). */
export function categoryColors(theme: Theme): Record<SizeCategory, string> {
  const dark = theme.palette.mode === 'dark';
  return {
    base: dark ? '#5f6b7a' : '#9aa5b1',
    moduleCache: dark ? '#ffb454' : '#e08a00',
    buildCache: dark ? '#b69cff' : '#7c4ddb',
    wasted: dark ? '#ff7b7b' : '#d64545',
    rest: theme.palette.primary.main,
  };
}

export function trackColor(theme: Theme): string {
  return alpha(theme.palette.text.primary, theme.palette.mode === 'dark' ? 0.12 : 0.08);
}
