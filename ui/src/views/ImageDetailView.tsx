import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import StopIcon from '@mui/icons-material/Stop';
import { useEffect, useRef, useState } from 'react';
import type { AnalysisResult } from '../api/types';
import { BuiltBy } from '../components/BuiltBy';
import { FindingList } from '../components/FindingList';
import { JobProgress } from '../components/JobProgress';
import { HistoryList, LayerList, layerGoBytes } from '../components/LayerList';
import { SectionTitle, ViewHeader } from '../components/Section';
import { PollutedChip } from '../components/SeverityChip';
import { EmptyState, ErrorState, LoadingState } from '../components/StateViews';
import { useImageDetail } from '../hooks/data';
import { formatAgo, formatBytes } from '../lib/format';
import { imageLabel, shortId, splitTag } from '../lib/images';
import { useDesktop, useLens } from '../store/context';

/** The layer with the most Go cache: opened by default, since that is what the user came for. */
function worstLayer(result: AnalysisResult): number | undefined {
  let best: number | undefined;
  let bytes = 0;
  for (const l of result.layers) {
    const b = layerGoBytes(l);
    if (b > bytes) {
      bytes = b;
      best = l.index;
    }
  }
  return best;
}

export function ImageDetailView({ imageId }: { imageId: string }) {
  const d = useImageDetail(imageId);
  const analyse = useLens((s) => s.analyse);
  const cancel = useLens((s) => s.cancelAnalysis);
  const navigate = useLens((s) => s.navigate);
  const notify = useLens((s) => s.notify);
  const desktop = useDesktop();
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const autoOpened = useRef<AnalysisResult | undefined>(undefined);
  const layersRef = useRef<HTMLDivElement>(null);

  const result = d.result;
  useEffect(() => {
    if (result && autoOpened.current !== result) {
      autoOpened.current = result;
      const w = worstLayer(result);
      setExpanded(new Set(w === undefined ? [] : [w]));
    }
  }, [result]);

  const label = d.image ? imageLabel(d.image) : (result?.image.ref ?? shortId(imageId));
  const removed = d.images.status === 'ready' && !d.image;
  const toggle = (i: number) => {
    const next = new Set(expanded);
    if (next.has(i)) next.delete(i);
    else next.add(i);
    setExpanded(next);
  };
  const showLayer = (i: number) => {
    setExpanded(new Set(expanded).add(i));
    setTimeout(() => {
      layersRef.current
        ?.querySelector(`[aria-label^="Layer ${i}:"]`)
        ?.scrollIntoView({ behavior: 'smooth', block: 'center' });
    }, 50);
  };

  const jobFailed =
    d.job && !d.running && (d.job.status === 'failed' || d.job.status === 'cancelled') ? d.job : undefined;
  const tag = d.image?.tags[0];

  return (
    <Box>
      <Link
        component="button"
        onClick={() => navigate('images')}
        sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5, mb: 1 }}
      >
        <ArrowBackIcon fontSize="small" /> Images
      </Link>
      <ViewHeader
        title={label}
        subtitle={
          <>
            {shortId(imageId)}
            {d.image && ` · ${formatBytes(d.image.sizeBytes)} · created ${formatAgo(d.image.created)}`}
            {d.analyzedAt && ` · analysed ${formatAgo(d.analyzedAt)}`}
          </>
        }
        actions={
          <>
            {desktop && d.image && (
              <Button
                startIcon={<OpenInNewIcon />}
                onClick={() =>
                  void desktop.desktopUI.navigate
                    .viewImage(d.image!.id, tag ? splitTag(tag).tag : '')
                    .catch(() => notify('error', 'Docker Desktop could not open this image'))
                }
              >
                View in Docker Desktop
              </Button>
            )}
            {d.running ? (
              <Button
                color="inherit"
                variant="outlined"
                startIcon={<StopIcon />}
                onClick={() => void cancel(imageId)}
              >
                Cancel
              </Button>
            ) : (
              result && (
                <Button
                  variant="outlined"
                  startIcon={<PlayArrowIcon />}
                  onClick={() => void analyse(imageId)}
                  disabled={removed}
                >
                  Analyse again
                </Button>
              )
            )}
          </>
        }
      />

      {removed && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          This image no longer exists on the engine.
          {result ? ' What you see is its last stored analysis.' : ''}
        </Alert>
      )}
      {d.startError && !removed && <ErrorState error={d.startError} title="The analysis could not start" />}
      {d.running && d.job && (
        <Paper variant="outlined" sx={{ p: 2, mb: 2 }} data-testid="analysis-progress">
          <Typography sx={{ fontWeight: 600, mb: 1 }}>Analysing {label}</Typography>
          <JobProgress job={d.job} />
        </Paper>
      )}
      {jobFailed && (
        <Alert
          severity={jobFailed.status === 'failed' ? 'error' : 'info'}
          sx={{ mb: 2 }}
          action={
            !removed && (
              <Button color="inherit" size="small" onClick={() => void analyse(imageId)}>
                Retry
              </Button>
            )
          }
        >
          {jobFailed.status === 'failed'
            ? `The analysis failed: ${jobFailed.error?.message ?? 'unknown error'}`
            : 'The analysis was cancelled.'}
        </Alert>
      )}

      {result ? (
        <>
          <Summary result={result} />
          <SectionTitle>Findings</SectionTitle>
          <FindingList
            findings={result.findings}
            onShowLayer={showLayer}
            onOpenDoctor={() => navigate('doctor')}
          />
          <BuiltBy imageId={imageId} layers={result.layers} onShowLayer={showLayer} />
          <SectionTitle>
            Layers{' '}
            <Typography component="span" color="text.secondary">
              ({result.layers.length})
            </Typography>
          </SectionTitle>
          <div ref={layersRef}>
            <LayerList
              layers={result.layers}
              findings={result.findings}
              expanded={expanded}
              onToggle={toggle}
            />
          </div>
        </>
      ) : (
        <NotAnalysed imageId={imageId} detail={d} onAnalyse={() => void analyse(imageId)} removed={removed} />
      )}
    </Box>
  );
}

function layersBytes(result: { image: { sizeBytes: number }; layers?: { sizeBytes: number }[] }): number {
  const sum = result.layers?.reduce((a, l) => a + l.sizeBytes, 0) ?? 0;
  return sum > 0 ? sum : result.image.sizeBytes;
}

function Summary({
  result,
}: {
  result: Pick<AnalysisResult, 'summary'> & {
    image: { sizeBytes: number };
    layers?: { sizeBytes: number }[];
  };
}) {
  const s = result.summary;
  return (
    <Box
      sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}
      data-testid="analysis-summary"
    >
      <PollutedChip polluted={s.polluted} />
      <Chip size="small" variant="outlined" label={`Module cache ${formatBytes(s.moduleCacheBytes)}`} />
      <Chip size="small" variant="outlined" label={`Build cache ${formatBytes(s.buildCacheBytes)}`} />
      {s.wastedGoCacheBytes > 0 && (
        <Chip
          size="small"
          variant="outlined"
          color="error"
          label={`Deleted later, still shipped ${formatBytes(s.wastedGoCacheBytes)}`}
        />
      )}
      <Typography variant="body2" color="text.secondary">
        in {formatBytes(layersBytes(result))} of layers
      </Typography>
    </Box>
  );
}

function NotAnalysed(props: {
  imageId: string;
  detail: ReturnType<typeof useImageDetail>;
  onAnalyse(): void;
  removed: boolean;
}) {
  const { latest, history, running, image } = props.detail;
  const last = image?.lastAnalysis;
  if (latest?.status === 'loading' && !latest.data)
    return <LoadingState label="Loading the last analysis…" />;
  return (
    <>
      {latest?.status === 'error' && latest.error && latest.error.code !== 'not-found' && (
        <ErrorState error={latest.error} title="Could not load the stored analysis" />
      )}
      {last && image && <Summary result={{ summary: last.summary, image: { sizeBytes: image.sizeBytes } }} />}
      {!running && !props.removed && (
        <EmptyState
          title={last ? 'Layer details not loaded' : 'Not analysed yet'}
          action={
            <Button variant="contained" startIcon={<PlayArrowIcon />} onClick={props.onAnalyse}>
              {last ? 'Show layers and modules' : 'Analyse this image'}
            </Button>
          }
        >
          {last
            ? 'The backend keeps the summary of the last analysis. Looking again is quick: layers already read are not read twice.'
            : 'The analysis reads every layer once and shows which ones carry Go module and build caches, module by module.'}
        </EmptyState>
      )}
      <BuiltBy imageId={props.imageId} onShowLayer={() => undefined} />
      <SectionTitle>Build history</SectionTitle>
      {history?.status === 'loading' && !history.data && <LoadingState label="Loading the build history…" />}
      {history?.status === 'error' && history.error && <ErrorState error={history.error} />}
      {history?.data && history.data.length > 0 && <HistoryList history={history.data} />}
      {history?.data && history.data.length === 0 && (
        <Typography color="text.secondary">This image has no build history.</Typography>
      )}
    </>
  );
}
