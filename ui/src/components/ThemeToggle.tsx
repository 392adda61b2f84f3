import IconButton from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import BrightnessAutoIcon from '@mui/icons-material/BrightnessAuto';
import DarkModeOutlinedIcon from '@mui/icons-material/DarkModeOutlined';
import LightModeOutlinedIcon from '@mui/icons-material/LightModeOutlined';
import { useLens } from '../store/context';
import type { ThemeMode } from '../store/nav';

const NEXT: Record<ThemeMode, ThemeMode> = { system: 'light', light: 'dark', dark: 'system' };
const LABEL: Record<ThemeMode, string> = {
  system: 'Theme: follows the system',
  light: 'Theme: light',
  dark: 'Theme: dark',
};

/** Standalone only: cycles system -> light -> dark. */
export function ThemeToggle() {
  const mode = useLens((s) => s.themeMode);
  const setMode = useLens((s) => s.setThemeMode);
  const Icon =
    mode === 'light' ? LightModeOutlinedIcon : mode === 'dark' ? DarkModeOutlinedIcon : BrightnessAutoIcon;
  return (
    <Tooltip title={`${LABEL[mode]} (click to change)`}>
      <IconButton aria-label={LABEL[mode]} onClick={() => setMode(NEXT[mode])} size="small">
        <Icon fontSize="small" />
      </IconButton>
    </Tooltip>
  );
}
