import { DockerMuiV6ThemeProvider } from '@docker/docker-mui-theme';
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import useMediaQuery from '@mui/material/useMediaQuery';
import { useMemo, type ReactNode } from 'react';
import type { ThemeMode } from '../store/nav';
import { createFallbackTheme } from './fallbackTheme';

/** True when Docker Desktop injected its MUI v6 themes into the page. */
export function hasDockerThemes(win: Window = window): boolean {
  const bag = (win as Window & { __ddMuiV6Themes?: { light?: unknown; dark?: unknown } }).__ddMuiV6Themes;
  return !!bag && typeof bag === 'object' && !!bag.light && !!bag.dark;
}

export function LensThemeProvider({ mode, children }: { mode: ThemeMode; children: ReactNode }) {
  if (hasDockerThemes()) {
    return (
      <DockerMuiV6ThemeProvider>
        <CssBaseline />
        {children}
      </DockerMuiV6ThemeProvider>
    );
  }
  return <FallbackThemeProvider mode={mode}>{children}</FallbackThemeProvider>;
}

function FallbackThemeProvider({ mode, children }: { mode: ThemeMode; children: ReactNode }) {
  const prefersDark = useMediaQuery('(prefers-color-scheme: dark)', { noSsr: true });
  const dark = mode === 'dark' || (mode === 'system' && prefersDark);
  const theme = useMemo(() => createFallbackTheme(dark ? 'dark' : 'light'), [dark]);
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline enableColorScheme />
      {children}
    </ThemeProvider>
  );
}
