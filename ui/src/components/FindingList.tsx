import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import type { ImageFinding } from '../api/types';
import { findingText } from '../lib/findings';
import { RichText } from './RichText';
import { SeverityChip } from './SeverityChip';

const MAX_ITEMS = 8;

function Items({ label, items }: { label: string; items: string[] }) {
  const shown = items.slice(0, MAX_ITEMS);
  return (
    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5, alignItems: 'center', mt: 1 }}>
      <Typography variant="body2" color="text.secondary" sx={{ mr: 0.5 }}>
        {label}:
      </Typography>
      {shown.map((m) => (
        <Chip key={m} size="small" label={m} sx={{ fontFamily: 'monospace', maxWidth: '100%' }} />
      ))}
      {items.length > shown.length && (
        <Typography variant="body2" color="text.secondary">
          and {items.length - shown.length} more
        </Typography>
      )}
    </Box>
  );
}

/** Image findings in plain words: what it is, why it matters, what to do, and where. */
export function FindingList(props: {
  findings: ImageFinding[];
  onShowLayer(index: number): void;
  onOpenDoctor(): void;
}) {
  if (props.findings.length === 0) {
    return (
      <Paper variant="outlined" sx={{ p: 2, display: 'flex', gap: 1.5, alignItems: 'center' }}>
        <CheckCircleIcon color="success" />
        <Typography>No Go cache problems found in this image.</Typography>
      </Paper>
    );
  }
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...props.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }}>
      {sorted.map((f, i) => {
        const text = findingText(f);
        return (
          <Paper key={`${f.kind}-${i}`} variant="outlined" sx={{ p: 1.5 }} data-testid="finding">
            <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'flex-start' }}>
              <SeverityChip severity={f.severity} />
              <Box sx={{ minWidth: 0, flex: 1 }}>
                <Typography sx={{ fontWeight: 600 }}>{text.title}</Typography>
                {f.message && f.message !== text.title && (
                  <Typography variant="body2" sx={{ mt: 0.25, overflowWrap: 'anywhere' }}>
                    <RichText text={f.message} capitalize />
                  </Typography>
                )}
                {text.explanation && (
                  <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
                    {text.explanation} {text.remedy}
                  </Typography>
                )}
                {f.modules && f.modules.length > 0 && <Items label="Modules" items={f.modules} />}
                {f.env && f.env.length > 0 && <Items label="Settings" items={f.env} />}
                <Box sx={{ display: 'flex', gap: 2, mt: 1, flexWrap: 'wrap' }}>
                  {f.layerIndex >= 0 && (
                    <Link component="button" variant="body2" onClick={() => props.onShowLayer(f.layerIndex)}>
                      Show layer #{f.layerIndex}
                    </Link>
                  )}
                  {text.doctor && (
                    <Link component="button" variant="body2" onClick={props.onOpenDoctor}>
                      Fix the Dockerfile with the doctor
                    </Link>
                  )}
                </Box>
              </Box>
            </Box>
          </Paper>
        );
      })}
    </Box>
  );
}
