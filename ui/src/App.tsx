import Box from '@mui/material/Box';
import Tab from '@mui/material/Tab';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import TroubleshootIcon from '@mui/icons-material/Troubleshoot';
import { useEffect } from 'react';
import { EngineStatus } from './components/EngineStatus';
import { Notifier } from './components/Notifier';
import { ThemeToggle } from './components/ThemeToggle';
import { useHashRoute } from './hooks/useHashRoute';
import { useDesktop, useLens, useLensStore } from './store/context';
import type { ViewName } from './store/nav';
import { LensThemeProvider } from './theme/LensThemeProvider';
import { BuildCacheView } from './views/BuildCacheView';
import { BuildDetailView } from './views/BuildDetailView';
import { BuildsView } from './views/BuildsView';
import { CompareView } from './views/CompareView';
import { DoctorView } from './views/DoctorView';
import { ImageDetailView } from './views/ImageDetailView';
import { ImagesView } from './views/ImagesView';
import { OverviewView } from './views/OverviewView';

const TABS: { view: ViewName; label: string }[] = [
  { view: 'overview', label: 'Overview' },
  { view: 'images', label: 'Images' },
  { view: 'builds', label: 'Builds' },
  { view: 'build-cache', label: 'Build cache' },
  { view: 'doctor', label: 'Dockerfile doctor' },
  { view: 'compare', label: 'Compare' },
];

export function App() {
  const mode = useLens((s) => s.themeMode);
  return (
    <LensThemeProvider mode={mode}>
      <Shell />
    </LensThemeProvider>
  );
}

function Shell() {
  useHashRoute();
  const store = useLensStore();
  const desktop = useDesktop();
  const route = useLens((s) => s.route);
  const navigate = useLens((s) => s.navigate);

  useEffect(() => {
    // Jobs live in the backend: pick up those started before this tab was (re)opened.
    void store.getState().resumeJobs();
    return () => store.getState().stopJobWatchers();
  }, [store]);

  const tab = route.view === 'image' ? 'images' : route.view === 'build' ? 'builds' : route.view;
  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', flexDirection: 'column', bgcolor: 'background.default' }}>
      <Box
        component="header"
        sx={{
          position: 'sticky',
          top: 0,
          zIndex: (t) => t.zIndex.appBar,
          borderBottom: 1,
          borderColor: 'divider',
          bgcolor: 'background.paper',
          px: { xs: 2, md: 3 },
          pt: 1.25,
        }}
      >
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5 }}>
          <TroubleshootIcon color="primary" />
          <Typography variant="h6" component="div" sx={{ fontWeight: 700, whiteSpace: 'nowrap' }}>
            GoCache Lens
          </Typography>
          <Box sx={{ flexGrow: 1 }} />
          <EngineStatus />
          {!desktop && <ThemeToggle />}
        </Box>
        <Tabs
          value={tab}
          variant="scrollable"
          scrollButtons="auto"
          aria-label="Views"
          sx={{ minHeight: 44, mt: 0.5 }}
        >
          {TABS.map((t) => (
            // A click on the current tab from a detail page (an image, a build) goes back to its list.
            <Tab key={t.view} value={t.view} label={t.label} onClick={() => navigate(t.view)} />
          ))}
        </Tabs>
      </Box>
      <Box
        component="main"
        sx={{ flexGrow: 1, px: { xs: 2, md: 3 }, py: 2.5, maxWidth: 1400, width: '100%', mx: 'auto' }}
      >
        {route.view === 'overview' && <OverviewView />}
        {route.view === 'images' && <ImagesView />}
        {route.view === 'image' && route.imageId && <ImageDetailView imageId={route.imageId} />}
        {route.view === 'builds' && <BuildsView />}
        {route.view === 'build' && route.buildRef && <BuildDetailView buildRef={route.buildRef} />}
        {route.view === 'build-cache' && <BuildCacheView />}
        {route.view === 'doctor' && <DoctorView />}
        {route.view === 'compare' && <CompareView />}
      </Box>
      <Notifier />
    </Box>
  );
}
