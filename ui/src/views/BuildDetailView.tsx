import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import AutoFixHighIcon from '@mui/icons-material/AutoFixHigh';
import CleaningServicesIcon from '@mui/icons-material/CleaningServices';
import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import DownloadIcon from '@mui/icons-material/Download';
import RefreshIcon from '@mui/icons-material/Refresh';
import { useEffect, useRef, useState } from 'react';
import type { BuildDetail, BuildSummary } from '../api/types';
import { BuildStatusChip } from '../components/BuildStatusChip';
import { DiffView } from '../components/DiffView';
import { DockerfileSource, type DockerfileSourceHandle } from '../components/DockerfileSource';
import { DoctorFindingList } from '../components/DoctorFindingCard';
import { PruneDialog } from '../components/PruneDialog';
import { RichText } from '../components/RichText';
import { SectionTitle, ViewHeader } from '../components/Section';
import { PollutedChip } from '../components/SeverityChip';
import { SizeBar } from '../components/SizeBar';
import { StatCard } from '../components/StatCard';
import { ErrorState, LoadingState } from '../components/StateViews';
import { useBuildCache, useBuildDetail, useImages } from '../hooks/data';
import { downloadText, useClipboard } from '../hooks/useClipboard';
import { cacheHitRatio, dockerfileLabel, formatDuration } from '../lib/builds';
import { formatAgo, formatBytes, formatDate } from '../lib/format';
import { findImage, goCacheBytes, imageLabel, shortId } from '../lib/images';
import { useLens } from '../store/context';

export function BuildDetailView({ buildRef }: { buildRef: string }) {
  // A running build is followed (live feed or polling) until it finishes.
  const running = useLens((s) => s.buildDetails[buildRef]?.data?.status === 'running');
  const { detail, summary, reload } = useBuildDetail(buildRef, { live: running });
  const navigate = useLens((s) => s.navigate);
  const setDoctorContent = useLens((s) => s.setDoctorContent);
  const d = detail?.data;
  const head: BuildSummary | undefined = d ?? summary;
  const dockerfile = d?.dockerfile;

  return (
    <Box>
      <Link
        component="button"
        onClick={() => navigate('builds')}
        sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5, mb: 1 }}
      >
        <ArrowBackIcon fontSize="small" /> Builds
      </Link>
      <ViewHeader
        title={head?.name ?? buildRef}
        subtitle={
          head ? (
            <>
              {dockerfileLabel(head) !== head.name && `${dockerfileLabel(head)} · `}
              build <span style={{ fontFamily: 'monospace' }}>{head.ref}</span>
              {head.startedAt && ` · started ${formatAgo(head.startedAt)}`}
            </>
          ) : (
            'Build'
          )
        }
        actions={
          <>
            <Button startIcon={<RefreshIcon />} onClick={() => void reload()}>
              Refresh
            </Button>
            {dockerfile && (
              <Button
                startIcon={<AutoFixHighIcon />}
                onClick={() => {
                  setDoctorContent(dockerfile.text, dockerfile.filename);
                  navigate('doctor');
                }}
              >
                Open in the doctor
              </Button>
            )}
          </>
        }
      />
      {detail?.status === 'error' && detail.error && (
        <ErrorState
          error={detail.error}
          title={detail.error.code === 'not-found' ? 'No such build' : 'Could not load this build'}
          onRetry={() => void reload()}
        />
      )}
      {!d && detail?.status !== 'error' && <LoadingState label="Reading the build record…" />}
      {d && <BuildBody build={d} />}
    </Box>
  );
}

function BuildBody({ build: d }: { build: BuildDetail }) {
  const source = useRef<DockerfileSourceHandle>(null);
  const sourceBox = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const findings = d.doctor?.findings ?? [];
  const pick = findings[selected ?? -1];
  useEffect(() => setSelected(undefined), [d]);

  const showFailing = () => {
    const loc = d.error?.location;
    if (!loc) return;
    sourceBox.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
    source.current?.revealLines(loc.startLine, loc.endLine);
  };

  return (
    <>
      <Facts build={d} />
      {d.status === 'running' && (
        <Paper variant="outlined" sx={{ p: 2, mt: 2 }} data-testid="build-running">
          <Typography sx={{ fontWeight: 600, mb: 1 }}>
            Building: {d.steps.completed} of {d.steps.total} steps done
          </Typography>
          <LinearProgress
            variant={d.steps.total > 0 ? 'determinate' : 'indeterminate'}
            value={d.steps.total > 0 ? (d.steps.completed / d.steps.total) * 100 : undefined}
          />
        </Paper>
      )}
      {d.status === 'canceled' && (
        <Alert severity="info" sx={{ mt: 2 }}>
          The build was canceled{d.error?.message ? `: ${d.error.message}` : '.'}
        </Alert>
      )}
      {d.status === 'failed' && d.error && (
        <Alert
          severity="error"
          variant="outlined"
          sx={{ mt: 2, '& .MuiAlert-message': { minWidth: 0, flex: 1 } }}
          data-testid="build-error"
          action={
            d.error.location && d.dockerfile ? (
              <Button color="inherit" size="small" onClick={showFailing} sx={{ whiteSpace: 'nowrap' }}>
                Show the lines
              </Button>
            ) : undefined
          }
        >
          <AlertTitle>
            {d.error.location
              ? `The build failed at ${d.error.location.filename} ${lineRange(d.error.location.startLine, d.error.location.endLine)}`
              : 'The build failed'}
          </AlertTitle>
          <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
            {d.error.message}
          </Typography>
          {d.error.logExcerpt && (
            <Box
              component="pre"
              aria-label="Output of the failing step"
              sx={{
                mt: 1,
                mb: 0,
                p: 1,
                borderRadius: 1,
                bgcolor: 'action.hover',
                color: 'text.primary',
                fontSize: 12.5,
                whiteSpace: 'pre-wrap',
                overflowWrap: 'anywhere',
                maxHeight: 220,
                overflow: 'auto',
              }}
            >
              {d.error.logExcerpt}
            </Box>
          )}
        </Alert>
      )}
      {d.goChecksumMismatch && <ChecksumMismatch build={d} />}

      <Box ref={sourceBox}>
        <SectionTitle>
          Dockerfile
          {d.dockerfile &&
            (d.dockerfile.filename !== 'Dockerfile' || d.dockerfile.origin === 'error-details') && (
              <Typography component="span" color="text.secondary" sx={{ ml: 1, fontSize: '0.8em' }}>
                {d.dockerfile.filename !== 'Dockerfile' && d.dockerfile.filename}
                {d.dockerfile.origin === 'error-details' && ' as the error report quotes it'}
              </Typography>
            )}
        </SectionTitle>
      </Box>
      {!d.dockerfile ? (
        <Alert severity="info">
          The Dockerfile of this build is not available:{' '}
          {d.sourceUnavailable ?? 'BuildKit kept no copy of it'}.
        </Alert>
      ) : (
        <Box
          sx={{
            display: 'grid',
            gap: 2,
            gridTemplateColumns: {
              xs: '1fr',
              md: 'minmax(0, 1fr) minmax(300px, 0.8fr)',
              lg: 'minmax(0, 3fr) minmax(340px, 2fr)',
            },
            alignItems: 'start',
          }}
        >
          <DockerfileSource
            ref={source}
            text={d.dockerfile.text}
            findings={findings}
            failing={d.status === 'failed' ? d.error?.location : undefined}
            selected={pick ? { line: pick.line, endLine: pick.endLine } : undefined}
          />
          <Box sx={{ minWidth: 0 }}>
            <Typography variant="body2" color="text.secondary" sx={{ fontWeight: 600, mb: 0.75 }}>
              Go findings{d.doctor ? ` (${findings.length})` : ''}
            </Typography>
            {d.doctorError && (
              <Alert severity="warning">
                The Dockerfile doctor could not check this file: {d.doctorError}
              </Alert>
            )}
            {d.doctor && (
              <DoctorFindingList
                findings={findings}
                selected={selected}
                maxHeight={520}
                emptyMessage="No Go cache problem in this Dockerfile."
                onSelect={(i, f) => {
                  setSelected(i);
                  if (f && f.line > 0) source.current?.revealLines(f.line, f.endLine);
                }}
              />
            )}
          </Box>
        </Box>
      )}
      {d.dockerfile && d.doctor && <FixPreview build={d} />}
    </>
  );
}

function lineRange(start: number, end: number): string {
  return end > start ? `lines ${start}–${end}` : `line ${start}`;
}

/** Status, duration, steps and the image the build produced. */
function Facts({ build: d }: { build: BuildDetail }) {
  const theme = useTheme();
  const navigate = useLens((s) => s.navigate);
  const { images } = useImages();
  const ratio = cacheHitRatio(d.steps);
  const image = d.image ? findImage(images.data, d.image.id) : undefined;
  const analysis = image?.lastAnalysis;
  return (
    <Box
      sx={{
        display: 'grid',
        gap: 1.5,
        gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))', lg: 'repeat(4, minmax(0, 1fr))' },
      }}
      data-testid="build-facts"
    >
      <StatCard
        testId="build-status"
        label="Status"
        value={<BuildStatusChip status={d.status} />}
        detail={
          d.completedAt
            ? `Finished ${formatDate(d.completedAt)}`
            : d.startedAt
              ? `Started ${formatDate(d.startedAt)}`
              : undefined
        }
      />
      <StatCard
        testId="build-duration"
        label="Duration"
        value={d.status === 'running' ? 'running' : formatDuration(d.durationMs)}
        detail={d.startedAt ? `Started ${formatAgo(d.startedAt)}` : undefined}
      />
      <StatCard
        testId="build-steps"
        label="Steps from the build cache"
        value={ratio === undefined ? '—' : `${d.steps.cached} of ${d.steps.total}`}
        detail={
          ratio !== undefined && (
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
              <Box sx={{ flex: 1 }}>
                <SizeBar
                  value={d.steps.cached}
                  max={d.steps.total}
                  height={6}
                  color={theme.palette.success.main}
                  label={`${Math.round(ratio * 100)}% of the steps cached`}
                />
              </Box>
              {Math.round(ratio * 100)}% cached
            </Box>
          )
        }
      />
      <StatCard
        testId="build-image"
        label="Image produced"
        value={
          d.image ? (
            <Link
              component="button"
              onClick={() => navigate('image', d.image!.id)}
              data-testid="build-image-link"
              sx={{ fontSize: '1.1rem', fontWeight: 600, textAlign: 'left', overflowWrap: 'anywhere' }}
            >
              {image ? imageLabel(image) : (d.image.tags[0] ?? shortId(d.image.id))}
            </Link>
          ) : (
            <Typography variant="h5" component="span" color="text.disabled">
              none
            </Typography>
          )
        }
        detail={
          d.image ? (
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
              <PollutedChip polluted={analysis?.summary.polluted} />
              {analysis && goCacheBytes(analysis.summary) > 0
                ? `${formatBytes(goCacheBytes(analysis.summary))} of Go cache`
                : !analysis && 'open it to analyse'}
            </Box>
          ) : d.status === 'completed' ? (
            'No local image matches (exported elsewhere, or removed)'
          ) : d.status === 'running' ? (
            'Not yet: the build is running'
          ) : (
            `The build ${d.status === 'failed' ? 'failed' : 'was canceled'} before exporting an image`
          )
        }
      />
    </Box>
  );
}

/** A `checksum mismatch` failure: the module, the cache mount behind it, and the scoped prune. */
function ChecksumMismatch({ build: d }: { build: BuildDetail }) {
  const m = d.goChecksumMismatch!;
  const hint = m.cacheMountHint;
  const planPrune = useLens((s) => s.planPrune);
  const prune = useLens((s) => s.prune);
  const reload = useLens((s) => s.loadBuild);
  useBuildCache({ fresh: true }); // the prune dialog names the records from a current listing
  const ids = hint?.recordIds ?? [];
  const ours =
    prune.selection?.scope === 'ids' && ids.length > 0 && prune.selection.ids?.join() === ids.join();

  // After our prune, the hint's records are gone: read the build again.
  const pruning = useRef(false);
  useEffect(() => {
    if (prune.phase === 'pruning' && ours) pruning.current = true;
    else if (prune.phase === 'idle' && pruning.current) {
      pruning.current = false;
      void reload(d.ref);
    }
  }, [prune.phase, ours, reload, d.ref]);

  return (
    <Paper
      variant="outlined"
      data-testid="checksum-mismatch"
      sx={{ p: 2, mt: 2, borderLeft: 4, borderLeftColor: 'error.main' }}
    >
      <Typography sx={{ fontWeight: 600 }}>
        Go checksum mismatch in{' '}
        <Box component="code" sx={{ fontFamily: 'monospace' }}>
          {m.module}
        </Box>
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
        The copy of this module in the Go module cache does not match the hash in go.sum: the cache was filled
        from another source (a re-tagged version, another proxy). Go trusts its cache, so every build that
        reuses it fails the same way until the stale copy is gone.
      </Typography>
      {hint && hint.mounts.length > 0 ? (
        <>
          <Typography variant="body2" sx={{ mt: 1.5 }}>
            The failing step mounts this Go module cache:
          </Typography>
          <Box component="ul" sx={{ my: 0.5, pl: 2.5 }} aria-label="Cache mounts of the failing step">
            {hint.mounts.map((mt) => (
              <li key={`${mt.id}:${mt.target}`}>
                <Typography variant="body2">
                  <RichText
                    text={`\`${mt.target}\`${mt.id !== mt.target ? ` (cache id \`${mt.id}\`)` : ''}`}
                  />
                </Typography>
              </li>
            ))}
          </Box>
          {ids.length > 0 ? (
            <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'center', flexWrap: 'wrap', mt: 1 }}>
              <Button
                variant="contained"
                color="error"
                startIcon={<CleaningServicesIcon />}
                disabled={prune.phase !== 'idle'}
                onClick={() => void planPrune({ scope: 'ids', ids })}
              >
                {prune.phase === 'planning' && ours ? 'Checking…' : 'Prune this cache mount'}
              </Button>
              <Typography variant="body2" color="text.secondary">
                {ids.length} build cache record{ids.length === 1 ? '' : 's'}. A dry run shows what goes first;
                nothing is deleted until you confirm. The next build downloads the module again.
              </Typography>
            </Box>
          ) : (
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
              Its build cache records are gone already (pruned): build again.
            </Typography>
          )}
        </>
      ) : (
        <Typography variant="body2" sx={{ mt: 1.5 }}>
          The failing step mounts no Go module cache, so the stale module sits in an image layer: a base image
          or an earlier step. Rebuild without the build cache (<code>docker build --no-cache</code>), or fix
          the base image.
        </Typography>
      )}
      <PruneDialog />
    </Paper>
  );
}

function FixPreview({ build: d }: { build: BuildDetail }) {
  const notify = useLens((s) => s.notify);
  const { copy, copied } = useClipboard();
  const text = d.dockerfile!.text;
  const fixed = d.doctor!.fixed;
  const name = d.dockerfile!.filename.split('/').pop() || 'Dockerfile';
  return (
    <Box data-testid="fix-preview">
      <SectionTitle
        actions={
          fixed !== text && (
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
              <Button
                size="small"
                startIcon={<ContentCopyIcon />}
                onClick={() =>
                  void copy(fixed).then((ok) => {
                    if (!ok) notify('error', 'Copying needs clipboard access; use Download instead');
                  })
                }
              >
                {copied ? 'Copied' : 'Copy'}
              </Button>
              <Button size="small" startIcon={<DownloadIcon />} onClick={() => downloadText(name, fixed)}>
                Download
              </Button>
            </Box>
          )
        }
      >
        Fix preview
      </SectionTitle>
      {fixed === text ? (
        <Alert severity="success">Nothing to change: the doctor has no fix for this Dockerfile.</Alert>
      ) : (
        <DiffView before={text} after={fixed} />
      )}
    </Box>
  );
}
