import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import BuildCircleIcon from '@mui/icons-material/BuildCircle';
import CircleIcon from '@mui/icons-material/Circle';
import RefreshIcon from '@mui/icons-material/Refresh';
import { useEffect, useMemo, useState } from 'react';
import type { BuildSummary } from '../api/types';
import { BuildStatusChip } from '../components/BuildStatusChip';
import { FilterBar } from '../components/FilterBar';
import { ViewHeader } from '../components/Section';
import { SizeBar } from '../components/SizeBar';
import { EmptyState, ErrorState, LoadingState } from '../components/StateViews';
import { useBuilds } from '../hooks/data';
import { cacheHitRatio, dockerfileLabel, formatDuration, worstSeverity } from '../lib/builds';
import { formatAgo, formatDate } from '../lib/format';
import { shortId } from '../lib/images';
import { BUILDS_LIMIT, filterBuilds, type BuildsFeed } from '../store/builds';
import { useLens } from '../store/context';

const PAGE = 30;

const FEED_LABEL: Record<
  BuildsFeed,
  { label: string; tip: string; color: 'success' | 'warning' | 'disabled' }
> = {
  live: { label: 'Live', tip: 'New and finished builds appear as they happen', color: 'success' },
  polling: { label: 'Auto-refresh', tip: 'The list is read again every few seconds', color: 'success' },
  connecting: { label: 'Connecting…', tip: 'Opening the live feed of builds', color: 'disabled' },
  retrying: {
    label: 'Reconnecting…',
    tip: 'The live feed broke (engine restarting?); retrying every few seconds',
    color: 'warning',
  },
  off: { label: 'Not live', tip: '', color: 'disabled' },
};

export function BuildsView() {
  const { builds, feed, reload } = useBuilds();
  const filter = useLens((s) => s.buildsFilter);
  const setFilter = useLens((s) => s.setBuildsFilter);
  const prefetch = useLens((s) => s.prefetchBuildDetails);
  const navigate = useLens((s) => s.navigate);
  const [shown, setShown] = useState(PAGE);
  const list = builds.data;
  const rows = useMemo(() => (list ? filterBuilds(list, filter) : []), [list, filter]);
  const visible = rows.slice(0, shown);
  const wanted = visible
    .filter((b) => b.status !== 'running')
    .map((b) => b.ref)
    .join(' ');

  // The findings count comes from each build's doctor report: fetched for the rows on screen.
  useEffect(() => {
    if (wanted) prefetch(wanted.split(' '));
  }, [wanted, prefetch]);

  const f = FEED_LABEL[feed];
  return (
    <Box>
      <ViewHeader
        title="Builds"
        subtitle="BuildKit's build history on this engine: how each build went, how much came from the build cache, and what the Dockerfile doctor says about its Dockerfile."
        actions={
          <>
            <Tooltip title={f.tip}>
              <Chip
                size="small"
                variant="outlined"
                data-testid="builds-feed"
                icon={<CircleIcon sx={{ fontSize: '10px !important' }} color={f.color} />}
                label={f.label}
              />
            </Tooltip>
            <Button startIcon={<RefreshIcon />} onClick={() => void reload()}>
              Refresh
            </Button>
          </>
        }
      />
      <FilterBar
        text={filter.text}
        onText={(text) => setFilter({ text })}
        placeholder="Filter by name, image or ref"
        ariaLabel="Filter builds"
        switchLabel="Failed only"
        checked={filter.failedOnly}
        onChecked={(failedOnly) => setFilter({ failedOnly })}
      >
        {list && (
          <Typography variant="body2" color="text.secondary">
            {rows.length} of {list.length} builds
            {list.length >= BUILDS_LIMIT ? ' · older builds are not listed' : ''}
          </Typography>
        )}
      </FilterBar>

      {builds.status === 'error' && builds.error && (
        <ErrorState
          error={builds.error}
          title="Could not read the build history"
          onRetry={() => void reload()}
        />
      )}
      {!list && builds.status !== 'error' && <LoadingState label="Reading the build history…" />}
      {list && list.length === 0 && (
        <EmptyState icon={<BuildCircleIcon fontSize="inherit" />} title="No builds yet">
          Builds made with BuildKit on this engine (docker build, docker buildx build) show up here as they
          run.
        </EmptyState>
      )}
      {list && list.length > 0 && (
        <>
          <TableContainer component={Paper} variant="outlined">
            <Table size="small" aria-label="Builds" sx={{ tableLayout: 'fixed' }}>
              <TableHead>
                <TableRow>
                  <TableCell sx={{ width: 148 }}>Status</TableCell>
                  <TableCell>Build</TableCell>
                  <TableCell sx={{ width: 120, display: { xs: 'none', md: 'table-cell' } }}>
                    Started
                  </TableCell>
                  <TableCell align="right" sx={{ width: 92 }}>
                    Duration
                  </TableCell>
                  <TableCell sx={{ width: { xs: 100, lg: 150 }, whiteSpace: 'nowrap' }}>Cache hits</TableCell>
                  <TableCell align="right" sx={{ width: 132, whiteSpace: 'nowrap' }}>
                    Go findings
                  </TableCell>
                  <TableCell sx={{ width: 130, display: { xs: 'none', lg: 'table-cell' } }}>Image</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {rows.length === 0 && (
                  <TableRow>
                    <TableCell colSpan={7}>
                      <Typography color="text.secondary" sx={{ py: 2, textAlign: 'center' }}>
                        No build matches the filter.
                      </Typography>
                    </TableCell>
                  </TableRow>
                )}
                {visible.map((b) => (
                  <BuildRow key={b.ref} build={b} onOpen={() => navigate('build', b.ref)} />
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          {rows.length > shown && (
            <Button size="small" sx={{ mt: 1 }} onClick={() => setShown(shown + PAGE)}>
              Show {Math.min(PAGE, rows.length - shown)} more
            </Button>
          )}
        </>
      )}
    </Box>
  );
}

function BuildRow({ build: b, onOpen }: { build: BuildSummary; onOpen(): void }) {
  const theme = useTheme();
  const ratio = cacheHitRatio(b.steps);
  const label = dockerfileLabel(b);
  return (
    <TableRow hover data-testid="build-row" data-ref={b.ref} onClick={onOpen} sx={{ cursor: 'pointer' }}>
      <TableCell>
        <BuildStatusChip status={b.status} />
      </TableCell>
      <TableCell>
        <Link
          component="button"
          onClick={(e) => {
            e.stopPropagation();
            onOpen();
          }}
          underline="hover"
          color="text.primary"
          sx={{
            fontWeight: 600,
            display: 'block',
            maxWidth: '100%',
            textAlign: 'left',
            overflow: 'hidden',
            textOverflow: 'ellipsis',
            whiteSpace: 'nowrap',
          }}
          title={b.name}
        >
          {b.name}
        </Link>
        <Typography
          variant="caption"
          color="text.secondary"
          component="div"
          sx={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
          title={b.errorMessage ?? undefined}
        >
          {b.status === 'failed' && b.errorMessage ? (
            <Box component="span" sx={{ color: 'error.main' }}>
              {b.errorMessage}
            </Box>
          ) : (
            <>
              {label !== b.name && `${label} · `}
              <Box component="span" sx={{ fontFamily: 'monospace' }}>
                {b.ref}
              </Box>
            </>
          )}
        </Typography>
      </TableCell>
      <TableCell sx={{ display: { xs: 'none', md: 'table-cell' }, whiteSpace: 'nowrap' }}>
        <Tooltip title={formatDate(b.startedAt)}>
          <span>{formatAgo(b.startedAt)}</span>
        </Tooltip>
      </TableCell>
      <TableCell align="right" sx={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
        {b.status === 'running'
          ? `${b.steps.completed}/${b.steps.total} steps`
          : formatDuration(b.durationMs)}
      </TableCell>
      <TableCell data-testid="cache-hits">
        {ratio === undefined ? (
          <Box component="span" sx={{ color: 'text.disabled' }}>
            —
          </Box>
        ) : (
          <Tooltip title={`${b.steps.cached} of ${b.steps.total} steps came from the build cache`}>
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
              <Box sx={{ flex: 1, minWidth: 30, display: { xs: 'none', lg: 'block' } }}>
                <SizeBar
                  value={b.steps.cached}
                  max={b.steps.total}
                  height={6}
                  color={theme.palette.success.main}
                  label={`${Math.round(ratio * 100)}% cached`}
                />
              </Box>
              <Typography
                variant="body2"
                component="span"
                sx={{
                  whiteSpace: 'nowrap',
                  fontVariantNumeric: 'tabular-nums',
                  minWidth: 36,
                  textAlign: 'right',
                }}
              >
                {Math.round(ratio * 100)}%
              </Typography>
            </Box>
          </Tooltip>
        )}
      </TableCell>
      <TableCell align="right" data-testid="go-findings">
        {b.status === 'running' ? (
          <Box component="span" sx={{ color: 'text.disabled' }}>
            —
          </Box>
        ) : (
          <FindingsCount buildRef={b.ref} />
        )}
      </TableCell>
      <TableCell sx={{ display: { xs: 'none', lg: 'table-cell' } }}>
        {b.image ? (
          <Tooltip title={b.image.tags.join(', ') || 'untagged'}>
            <Box component="span" sx={{ fontFamily: 'monospace', fontSize: 13 }}>
              {shortId(b.image.id)}
            </Box>
          </Tooltip>
        ) : (
          <Box component="span" sx={{ color: 'text.disabled' }}>
            —
          </Box>
        )}
      </TableCell>
    </TableRow>
  );
}

/** The number of doctor findings of a build's Dockerfile, once its detail has loaded. */
function FindingsCount({ buildRef }: { buildRef: string }) {
  const detail = useLens((s) => s.buildDetails[buildRef]);
  if (!detail || (detail.status === 'loading' && !detail.data)) {
    return <CircularProgress size={12} aria-label="Loading findings" />;
  }
  if (!detail.data) {
    return (
      <Tooltip title={detail.error?.message ?? 'Could not load this build'}>
        <Box component="span" sx={{ color: 'text.disabled' }}>
          ?
        </Box>
      </Tooltip>
    );
  }
  const doctor = detail.data.doctor;
  if (!doctor) {
    return (
      <Tooltip
        title={`No Dockerfile to check: ${detail.data.sourceUnavailable ?? detail.data.doctorError ?? 'unknown'}`}
      >
        <Box component="span" sx={{ color: 'text.disabled' }}>
          —
        </Box>
      </Tooltip>
    );
  }
  const n = doctor.findings.length;
  const worst = worstSeverity(doctor.findings);
  if (n === 0) {
    return <Chip size="small" variant="outlined" color="success" label="0" sx={{ minWidth: 36 }} />;
  }
  return (
    <Tooltip title={[...new Set(doctor.findings.map((x) => x.rule))].join(', ')}>
      <Chip
        size="small"
        color={worst === 'error' ? 'error' : worst === 'warning' ? 'warning' : 'info'}
        variant={worst === 'error' ? 'filled' : 'outlined'}
        label={n}
        sx={{ minWidth: 36, fontWeight: 600 }}
      />
    </Tooltip>
  );
}
