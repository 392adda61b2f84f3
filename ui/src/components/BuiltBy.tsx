import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import type { BuildDetail, LayerReport } from '../api/types';
import { useImageBuild } from '../hooks/data';
import { cacheHitRatio, dockerfileLabel, formatDuration, layerOfFinding } from '../lib/builds';
import { formatAgo } from '../lib/format';
import { useLens } from '../store/context';
import { BuildStatusChip } from './BuildStatusChip';
import { RichText } from './RichText';
import { SectionTitle } from './Section';
import { SeverityChip } from './SeverityChip';
import { ErrorState } from './StateViews';

/**
 * "Built by" on the image page: the build that produced the image, and its Dockerfile findings, each
 * linked to the image layer its instruction made when the analysis lists that layer.
 */
export function BuiltBy(props: {
  imageId: string;
  /** The analysed layers, when the image has been analysed. */
  layers?: readonly LayerReport[];
  onShowLayer(index: number): void;
}) {
  const { build, reload } = useImageBuild(props.imageId);
  const navigate = useLens((s) => s.navigate);
  const d = build?.data;
  return (
    <Box data-testid="built-by">
      <SectionTitle>Built by</SectionTitle>
      {(!build || (build.status === 'loading' && build.data === undefined)) && (
        <Box role="status" sx={{ display: 'flex', gap: 1, alignItems: 'center', color: 'text.secondary' }}>
          <CircularProgress size={14} />
          <Typography variant="body2">Looking for the build of this image…</Typography>
        </Box>
      )}
      {build?.status === 'error' && build.error && (
        <ErrorState
          error={build.error}
          title="Could not read the build history"
          onRetry={() => void reload()}
        />
      )}
      {build?.status === 'ready' && d === null && (
        <Typography variant="body2" color="text.secondary">
          No BuildKit build record matches this image: it was pulled, built by another builder, or its record
          was pruned from the build history.
        </Typography>
      )}
      {d && (
        <Paper variant="outlined" sx={{ p: 1.5 }}>
          <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'center', flexWrap: 'wrap' }}>
            <BuildStatusChip status={d.status} />
            <Link
              component="button"
              onClick={() => navigate('build', d.ref)}
              sx={{ fontWeight: 600, textAlign: 'left', overflowWrap: 'anywhere' }}
              data-testid="built-by-link"
            >
              {dockerfileLabel(d)} · build {d.ref.slice(0, 12)}
            </Link>
            <Typography variant="body2" color="text.secondary">
              {[
                d.startedAt && `built ${formatAgo(d.startedAt)}`,
                d.durationMs !== null && `in ${formatDuration(d.durationMs)}`,
                cacheHitRatio(d.steps) !== undefined && `${d.steps.cached} of ${d.steps.total} steps cached`,
              ]
                .filter(Boolean)
                .join(' · ')}
            </Typography>
          </Box>
          <Findings build={d} layers={props.layers} onShowLayer={props.onShowLayer} />
        </Paper>
      )}
    </Box>
  );
}

function Findings(props: {
  build: BuildDetail;
  layers?: readonly LayerReport[];
  onShowLayer(index: number): void;
}) {
  const d = props.build;
  if (!d.dockerfile) {
    return (
      <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
        Its Dockerfile is not available: {d.sourceUnavailable ?? 'BuildKit kept no copy of it'}.
      </Typography>
    );
  }
  if (!d.doctor) {
    return (
      <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
        The Dockerfile doctor could not check its Dockerfile{d.doctorError ? `: ${d.doctorError}` : '.'}
      </Typography>
    );
  }
  const findings = d.doctor.findings;
  if (findings.length === 0) {
    return (
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mt: 1 }}>
        <CheckCircleIcon color="success" fontSize="small" />
        <Typography variant="body2">
          The Dockerfile doctor finds no Go cache problem in its Dockerfile.
        </Typography>
      </Box>
    );
  }
  const text = d.dockerfile.text;
  return (
    <Box component="ul" sx={{ listStyle: 'none', m: 0, mt: 1, p: 0 }} aria-label="Dockerfile findings">
      {findings.map((f, i) => {
        const layer = props.layers ? layerOfFinding(f, text, props.layers) : undefined;
        const go = layer ? layer.goCaches.reduce((a, c) => a + c.bytes, 0) : 0;
        return (
          <Box
            component="li"
            key={`${f.rule}-${f.line}-${i}`}
            data-testid="built-by-finding"
            data-rule={f.rule}
            sx={{
              display: 'grid',
              gridTemplateColumns: { xs: 'auto minmax(0, 1fr)', md: 'auto minmax(0, 1fr) auto' },
              columnGap: 1.5,
              rowGap: 0.5,
              alignItems: 'center',
              py: 0.75,
              borderTop: i === 0 ? 0 : 1,
              borderColor: 'divider',
            }}
          >
            <SeverityChip severity={f.severity} />
            <Box sx={{ minWidth: 0 }}>
              <Typography variant="body2" component="div" sx={{ overflowWrap: 'anywhere' }}>
                <Chip
                  size="small"
                  variant="outlined"
                  label={f.rule}
                  sx={{ fontFamily: 'monospace', mr: 1, height: 20 }}
                />
                <Box component="span" sx={{ color: 'text.secondary', mr: 1 }}>
                  {f.endLine > f.line
                    ? `Lines ${f.line}–${f.endLine}`
                    : f.line > 0
                      ? `Line ${f.line}`
                      : 'Whole file'}
                </Box>
                <RichText text={f.message} capitalize />
              </Typography>
            </Box>
            <Box sx={{ gridColumn: { xs: '2', md: 'auto' }, whiteSpace: 'nowrap' }}>
              {layer && (
                <Link
                  component="button"
                  variant="body2"
                  onClick={() => props.onShowLayer(layer.index)}
                  sx={{ fontWeight: go > 0 ? 600 : undefined }}
                >
                  Show layer #{layer.index}
                </Link>
              )}
            </Box>
          </Box>
        );
      })}
    </Box>
  );
}
