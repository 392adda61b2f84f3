import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import RefreshIcon from '@mui/icons-material/Refresh';
import Inventory2Icon from '@mui/icons-material/Inventory2';
import { PollutedChip } from '../components/SeverityChip';
import { ViewHeader, SectionTitle } from '../components/Section';
import { SizeBar } from '../components/SizeBar';
import { StatCard } from '../components/StatCard';
import { EmptyState, ErrorState, LoadingState } from '../components/StateViews';
import { engineSummary } from '../components/EngineStatus';
import { jobText } from '../components/JobProgress';
import { useBuildCache, useHealth, useImages } from '../hooks/data';
import { formatBytes, share } from '../lib/format';
import { findImage, goCacheBytes, imageLabel } from '../lib/images';
import { batchProgress } from '../store/analyses';
import { useLens } from '../store/context';
import { overviewStats, worstImages } from '../store/selectors';
import { categoryColors } from '../theme/colors';

export function OverviewView() {
  const theme = useTheme();
  const colors = categoryColors(theme);
  const { health, reload: reloadHealth } = useHealth();
  const { images, reload: reloadImages } = useImages({ fresh: true });
  const { buildCache, reload: reloadCache } = useBuildCache({ fresh: true });
  const analyseAll = useLens((s) => s.analyseAll);
  const navigate = useLens((s) => s.navigate);
  const batchState = useLens((s) => s.batch);
  const jobs = useLens((s) => s.jobs);
  const batch = batchProgress({ batch: batchState, jobs });
  const stats = overviewStats(images.data, buildCache.data);
  const worst = worstImages(images.data);
  const worstMax = Math.max(1, ...worst.map((i) => goCacheBytes(i.lastAnalysis!.summary)));
  const engine = health.data?.engine;

  const refresh = () => {
    void reloadHealth();
    void reloadImages();
    void reloadCache();
  };

  const engineDown = (engine && !engine.reachable) || images.error?.code === 'engine-unavailable';

  return (
    <Box>
      <ViewHeader
        title="Overview"
        subtitle="Go module and build caches in your images and in BuildKit's cache mounts."
        actions={
          <>
            <Button startIcon={<RefreshIcon />} onClick={refresh} variant="text">
              Refresh
            </Button>
            <Button
              variant="contained"
              startIcon={<PlayArrowIcon />}
              onClick={() => void analyseAll()}
              disabled={!!batch || engineDown || images.data?.length === 0}
            >
              Analyse all
            </Button>
          </>
        }
      />

      {batch && <BatchProgress batch={batch} />}

      {health.status === 'error' && !engine && health.error && (
        <ErrorState error={health.error} onRetry={refresh} />
      )}
      {engine && !engine.reachable && (
        <ErrorState
          error={{
            code: 'engine-unavailable',
            message: engine.error ?? 'The Docker engine does not answer.',
          }}
          onRetry={refresh}
        />
      )}

      <Box
        sx={{
          display: 'grid',
          gap: 1.5,
          gridTemplateColumns: 'repeat(auto-fit, minmax(160px, 1fr))',
          mb: 1,
        }}
      >
        <StatCard
          testId="stat-engine"
          label="Engine"
          value={engine?.reachable ? (engine.version?.replace(/\+.*$/, '') ?? 'Docker') : '—'}
          detail={
            engine?.reachable
              ? `${engineSummary({ imageStore: engine.imageStore }).replace(/^Docker · /, '')}${engine.apiVersion ? ` · API ${engine.apiVersion}` : ''}`
              : 'not reachable'
          }
        />
        <StatCard
          testId="stat-module-cache"
          label="Module cache in images"
          value={formatBytes(stats.moduleCacheInImages)}
          accent={colors.moduleCache}
          detail={
            stats.analysed === 0
              ? 'no image analysed yet'
              : `${stats.polluted} of ${stats.analysed} analysed image${stats.analysed === 1 ? '' : 's'} polluted`
          }
        />
        <StatCard
          testId="stat-build-cache"
          label="Build cache in images"
          value={formatBytes(stats.buildCacheInImages)}
          accent={colors.buildCache}
          detail={
            stats.wastedInImages > 0
              ? `+ ${formatBytes(stats.wastedInImages)} deleted later but still shipped`
              : 'nothing deleted in later layers'
          }
        />
        <StatCard
          testId="stat-mounts"
          label="Go cache mounts"
          value={buildCache.data ? formatBytes(stats.moduleCacheMounts + stats.buildCacheMounts) : '—'}
          detail={
            buildCache.data
              ? `modules ${formatBytes(stats.moduleCacheMounts)} · build ${formatBytes(stats.buildCacheMounts)}`
              : buildCache.status === 'error'
                ? 'build cache unavailable'
                : 'loading…'
          }
        />
        <StatCard
          testId="stat-reclaimable"
          label="Reclaimable"
          value={formatBytes(stats.reclaimableMounts + stats.reclaimableImages)}
          accent={theme.palette.success.main}
          detail={
            <>
              <Link
                component="button"
                onClick={() => navigate('build-cache')}
                sx={{ verticalAlign: 'baseline' }}
              >
                {formatBytes(stats.reclaimableMounts)} now
              </Link>{' '}
              by pruning mounts, {formatBytes(stats.reclaimableImages)} by fixing Dockerfiles
            </>
          }
        />
      </Box>

      <SectionTitle>Images carrying the most Go cache</SectionTitle>
      <Paper variant="outlined" sx={{ p: { xs: 1.5, md: 2 } }}>
        {images.status === 'loading' && !images.data && <LoadingState label="Loading images…" />}
        {images.status === 'error' && images.error && !engineDown && (
          <ErrorState error={images.error} onRetry={() => void reloadImages()} />
        )}
        {images.data && images.data.length === 0 && (
          <EmptyState icon={<Inventory2Icon fontSize="inherit" />} title="No images on this engine">
            Build or pull an image, then come back to see which of its layers carry Go caches.
          </EmptyState>
        )}
        {images.data && images.data.length > 0 && worst.length === 0 && (
          <EmptyState
            title={
              stats.analysed === 0 ? 'No image analysed yet' : 'No Go cache found in the analysed images'
            }
            action={
              stats.analysed < stats.images && !batch ? (
                <Button variant="outlined" onClick={() => void analyseAll()} disabled={engineDown}>
                  Analyse all {stats.images} images
                </Button>
              ) : undefined
            }
          >
            {stats.analysed === 0
              ? 'Analyse your images to see which layers ship Go module and build caches and what they cost.'
              : `${stats.analysed} of ${stats.images} images analysed, none ships a Go cache.`}
          </EmptyState>
        )}
        {worst.length > 0 && (
          <Box component="ol" sx={{ listStyle: 'none', m: 0, p: 0 }} aria-label="Worst images">
            {worst.map((image) => {
              const summary = image.lastAnalysis!.summary;
              const bytes = goCacheBytes(summary);
              return (
                <Box
                  component="li"
                  key={image.id}
                  data-testid="worst-image"
                  sx={{
                    display: 'grid',
                    gridTemplateColumns: { xs: '1fr auto', sm: 'minmax(180px, 2fr) 3fr auto auto' },
                    alignItems: 'center',
                    gap: { xs: 0.75, sm: 2 },
                    py: 1,
                    borderBottom: 1,
                    borderColor: 'divider',
                    '&:last-of-type': { borderBottom: 'none' },
                  }}
                >
                  <Link
                    component="button"
                    onClick={() => navigate('image', image.id)}
                    sx={{ textAlign: 'left', fontWeight: 600, overflowWrap: 'anywhere' }}
                  >
                    {imageLabel(image)}
                  </Link>
                  <Box sx={{ gridColumn: { xs: '1 / -1', sm: 'auto' }, gridRow: { xs: 2, sm: 'auto' } }}>
                    <SizeBar
                      value={bytes}
                      max={worstMax}
                      color={colors.moduleCache}
                      label={`${formatBytes(bytes)} of ${formatBytes(image.sizeBytes)} is Go cache`}
                    />
                  </Box>
                  <Typography
                    variant="body2"
                    sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}
                  >
                    {formatBytes(bytes)}{' '}
                    <Box component="span" sx={{ color: 'text.secondary' }}>
                      ({share(bytes, image.sizeBytes)} of {formatBytes(image.sizeBytes)})
                    </Box>
                  </Typography>
                  <Box sx={{ display: { xs: 'none', sm: 'block' } }}>
                    <PollutedChip polluted={summary.polluted} />
                  </Box>
                </Box>
              );
            })}
          </Box>
        )}
        {worst.length > 0 && stats.analysed < stats.images && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            {stats.analysed} of {stats.images} images analysed.
          </Typography>
        )}
      </Paper>
    </Box>
  );
}

function BatchProgress({ batch }: { batch: NonNullable<ReturnType<typeof batchProgress>> }) {
  const images = useLens((s) => s.images.data);
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} data-testid="batch-progress">
      <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 1, mb: 1, flexWrap: 'wrap' }}>
        <Typography sx={{ fontWeight: 600 }}>
          Analysing images: {batch.finished} of {batch.total} done
          {batch.failed > 0 ? ` (${batch.failed} failed)` : ''}
        </Typography>
        <Typography color="text.secondary" variant="body2">
          Runs in the backend: you can leave this tab.
        </Typography>
      </Box>
      <LinearProgress
        variant="determinate"
        value={batch.fraction * 100}
        aria-label="Analyse all progress"
        sx={{ height: 8, borderRadius: 4 }}
      />
      {batch.running.map((job) => {
        const image = findImage(images, job.image);
        return (
          <Typography key={job.id} variant="body2" color="text.secondary" sx={{ mt: 0.75 }}>
            {image ? imageLabel(image) : job.image}: {jobText(job)}
          </Typography>
        );
      })}
    </Paper>
  );
}
