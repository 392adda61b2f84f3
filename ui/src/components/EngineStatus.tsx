import Chip from '@mui/material/Chip';
import Tooltip from '@mui/material/Tooltip';
import CircleIcon from '@mui/icons-material/Circle';
import { useHealth } from '../hooks/data';

const STORE_NAMES: Record<string, string> = {
  containerd: 'containerd image store',
  overlay2: 'overlay2 store',
};

export function engineSummary(engine: { version?: string; imageStore?: string }): string {
  const store = engine.imageStore
    ? (STORE_NAMES[engine.imageStore] ?? `${engine.imageStore} store`)
    : undefined;
  return [engine.version ? `Docker ${engine.version}` : 'Docker', store].filter(Boolean).join(' · ');
}

/** The header's engine chip: version and image store, or why it cannot be reached. */
export function EngineStatus() {
  const { health, reload } = useHealth();
  const engine = health.data?.engine;
  let color: 'success' | 'error' | 'default' = 'default';
  let label = 'Checking engine…';
  let tip = 'Asking the backend about the Docker engine';
  if (health.status === 'error' && !engine) {
    color = 'error';
    label = 'Backend not reachable';
    tip = health.error?.message ?? '';
  } else if (engine?.reachable) {
    color = 'success';
    label = engineSummary(engine);
    tip = `Engine API ${engine.apiVersion ?? '?'}. Click to refresh.`;
  } else if (engine) {
    color = 'error';
    label = 'Engine not reachable';
    tip = engine.error ?? 'The Docker engine does not answer';
  }
  return (
    <Tooltip title={tip} describeChild>
      <Chip
        data-testid="engine-status"
        size="small"
        variant="outlined"
        icon={
          <CircleIcon sx={{ fontSize: '10px !important' }} color={color === 'default' ? 'disabled' : color} />
        }
        label={label}
        onClick={() => void reload()}
        sx={{ maxWidth: { xs: 200, md: 340 }, fontWeight: 500 }}
      />
    </Tooltip>
  );
}
