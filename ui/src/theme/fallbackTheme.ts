import { createTheme, type Theme } from '@mui/material/styles';

/**
 * The theme of the standalone page, close to Docker Desktop's look. Inside Docker Desktop the injected
 * themes are used instead (DockerMuiV6ThemeProvider).
 */
export function createFallbackTheme(mode: 'light' | 'dark'): Theme {
  const dark = mode === 'dark';
  return createTheme({
    palette: {
      mode,
      primary: { main: dark ? '#5b9cff' : '#1d63ed' },
      secondary: { main: dark ? '#b69cff' : '#7646d8' },
      error: { main: dark ? '#ff6b6b' : '#c62828' },
      warning: { main: dark ? '#ffb454' : '#b35c00' },
      success: { main: dark ? '#4cc38a' : '#1b7f4c' },
      info: { main: dark ? '#6cc4ff' : '#0a6ea8' },
      background: dark ? { default: '#16191e', paper: '#1e232a' } : { default: '#f4f5f7', paper: '#ffffff' },
      divider: dark ? 'rgba(255,255,255,0.12)' : 'rgba(0,0,0,0.1)',
      text: dark
        ? { primary: '#e8eaed', secondary: '#a9b0ba' }
        : { primary: '#17191c', secondary: '#545b64' },
    },
    shape: { borderRadius: 6 },
    typography: {
      fontFamily: 'Roboto, "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif',
      h5: { fontWeight: 600, fontSize: '1.3rem' },
      h6: { fontWeight: 600, fontSize: '1.05rem' },
      button: { textTransform: 'none', fontWeight: 600 },
    },
    components: {
      MuiButton: { defaultProps: { disableElevation: true } },
      MuiPaper: { defaultProps: { elevation: 0 }, styleOverrides: { root: { backgroundImage: 'none' } } },
      MuiTab: { styleOverrides: { root: { textTransform: 'none', minHeight: 44, fontWeight: 600 } } },
      MuiTableCell: { styleOverrides: { head: { fontWeight: 600 } } },
    },
  });
}
