import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import CircularProgress from '@mui/material/CircularProgress';
import IconButton from '@mui/material/IconButton';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import Button from '@mui/material/Button';
import Inventory2Icon from '@mui/icons-material/Inventory2';
import OpenInNewIcon from '@mui/icons-material/OpenInNew';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import RefreshIcon from '@mui/icons-material/Refresh';
import type { AnalysisJob, ImageSummary } from '../api/types';
import { FilterBar } from '../components/FilterBar';
import { ViewHeader } from '../components/Section';
import { PollutedChip } from '../components/SeverityChip';
import { EmptyState, ErrorState, LoadingState } from '../components/StateViews';
import { useImages } from '../hooks/data';
import { formatAgo, formatBytes, formatDate, percent } from '../lib/format';
import { goCacheBytes, shortId, splitTag } from '../lib/images';
import { isActive } from '../store/analyses';
import { useDesktop, useLens } from '../store/context';
import type { ImageSortKey, ImageTableState } from '../store/images';

interface Row {
  image: ImageSummary;
  name: string;
  tag: string;
  untagged: boolean;
  goCache: number | undefined;
}

function toRow(image: ImageSummary): Row {
  const first = image.tags[0];
  const { name, tag } = first ? splitTag(first) : { name: '<none>', tag: '<none>' };
  return {
    image,
    name,
    tag,
    untagged: !first,
    goCache: image.lastAnalysis ? goCacheBytes(image.lastAnalysis.summary) : undefined,
  };
}

/** Filter and sort as the table state says; exported for tests. */
export function visibleRows(images: ImageSummary[], table: ImageTableState): Row[] {
  const q = table.filter.trim().toLowerCase();
  const rows = images
    .map(toRow)
    .filter((r) => !table.pollutedOnly || r.image.lastAnalysis?.summary.polluted === true)
    .filter(
      (r) =>
        !q ||
        r.image.id.toLowerCase().includes(q) ||
        r.image.tags.some((t) => t.toLowerCase().includes(q)) ||
        r.name.includes(q),
    );
  const dir = table.sort.dir === 'asc' ? 1 : -1;
  const key: Record<ImageSortKey, (r: Row) => string | number> = {
    name: (r) => (r.untagged ? '\uffff' : r.name.toLowerCase()),
    tag: (r) => r.tag.toLowerCase(),
    size: (r) => r.image.sizeBytes,
    // Not analysed sorts below any analysed image.
    goCache: (r) => r.goCache ?? -1,
    analyzed: (r) => r.image.lastAnalysis?.analyzedAt ?? '',
  };
  const f = key[table.sort.key];
  return rows.sort((a, b) => {
    const x = f(a);
    const y = f(b);
    const c = x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c * dir;
    // Ties: tagged images before untagged ones, then by name and id.
    return (
      Number(a.untagged) - Number(b.untagged) ||
      a.name.localeCompare(b.name) ||
      a.image.id.localeCompare(b.image.id)
    );
  });
}

const COLUMNS: { key: ImageSortKey; label: string; numeric?: boolean; hideBelow?: 'md' | 'lg' }[] = [
  { key: 'name', label: 'Name' },
  { key: 'tag', label: 'Tag' },
  { key: 'size', label: 'Size', numeric: true },
  { key: 'goCache', label: 'Go cache', numeric: true },
  { key: 'analyzed', label: 'Last analysed', hideBelow: 'lg' },
];

export function ImagesView() {
  const { images, reload } = useImages({ fresh: true });
  const table = useLens((s) => s.imageTable);
  const setTable = useLens((s) => s.setImageTable);
  const navigate = useLens((s) => s.navigate);
  const jobs = useLens((s) => s.jobs);
  const imageJobs = useLens((s) => s.imageJobs);
  const analyse = useLens((s) => s.analyse);
  const notify = useLens((s) => s.notify);
  const desktop = useDesktop();
  const rows = images.data ? visibleRows(images.data, table) : [];

  const sortBy = (key: ImageSortKey) =>
    setTable({
      sort: {
        key,
        dir:
          table.sort.key === key
            ? table.sort.dir === 'asc'
              ? 'desc'
              : 'asc'
            : key === 'name' || key === 'tag'
              ? 'asc'
              : 'desc',
      },
    });

  return (
    <Box>
      <ViewHeader
        title="Images"
        subtitle="Every local image, with the Go cache its last analysis found. Click an image to see its layers."
        actions={
          <Button startIcon={<RefreshIcon />} onClick={() => void reload()}>
            Refresh
          </Button>
        }
      />
      <FilterBar
        text={table.filter}
        onText={(filter) => setTable({ filter })}
        placeholder="Filter by name, tag or id"
        ariaLabel="Filter images"
        switchLabel="Polluted only"
        checked={table.pollutedOnly}
        onChecked={(pollutedOnly) => setTable({ pollutedOnly })}
      >
        {images.data && (
          <Typography variant="body2" color="text.secondary">
            {rows.length} of {images.data.length} images
          </Typography>
        )}
      </FilterBar>

      {images.status === 'error' && images.error && (
        <ErrorState error={images.error} onRetry={() => void reload()} />
      )}
      {!images.data && images.status !== 'error' && <LoadingState label="Loading images…" />}
      {images.data && images.data.length === 0 && (
        <EmptyState icon={<Inventory2Icon fontSize="inherit" />} title="No images on this engine">
          Build or pull an image and refresh.
        </EmptyState>
      )}
      {images.data && images.data.length > 0 && (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label="Images">
            <TableHead>
              <TableRow>
                {COLUMNS.map((c) => (
                  <TableCell
                    key={c.key}
                    align={c.numeric ? 'right' : 'left'}
                    sortDirection={table.sort.key === c.key ? table.sort.dir : false}
                    sx={c.hideBelow ? { display: { xs: 'none', [c.hideBelow]: 'table-cell' } } : undefined}
                  >
                    <TableSortLabel
                      active={table.sort.key === c.key}
                      direction={table.sort.key === c.key ? table.sort.dir : 'asc'}
                      onClick={() => sortBy(c.key)}
                    >
                      {c.label}
                    </TableSortLabel>
                  </TableCell>
                ))}
                <TableCell>Status</TableCell>
                <TableCell align="right">Actions</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.length === 0 && (
                <TableRow>
                  <TableCell colSpan={7}>
                    <Typography color="text.secondary" sx={{ py: 2, textAlign: 'center' }}>
                      No image matches the filter.
                    </Typography>
                  </TableCell>
                </TableRow>
              )}
              {rows.map((r) => {
                const job = jobs[imageJobs[r.image.id] ?? ''];
                return (
                  <TableRow
                    key={r.image.id}
                    hover
                    data-testid="image-row"
                    onClick={() => navigate('image', r.image.id)}
                    sx={{ cursor: 'pointer' }}
                  >
                    <TableCell sx={{ fontWeight: 600, overflowWrap: 'anywhere', minWidth: 140 }}>
                      {r.name}
                      {r.untagged && (
                        <Box
                          component="span"
                          sx={{ ml: 1, fontWeight: 400, fontFamily: 'monospace', color: 'text.secondary' }}
                        >
                          {shortId(r.image.id)}
                        </Box>
                      )}
                      {r.image.tags.length > 1 && (
                        <Tooltip title={r.image.tags.slice(1).join(', ')}>
                          <Chip size="small" label={`+${r.image.tags.length - 1}`} sx={{ ml: 1 }} />
                        </Tooltip>
                      )}
                    </TableCell>
                    <TableCell sx={{ overflowWrap: 'anywhere' }}>{r.tag}</TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                      {formatBytes(r.image.sizeBytes)}
                    </TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                      {r.goCache === undefined ? (
                        <Box component="span" sx={{ color: 'text.disabled' }}>
                          —
                        </Box>
                      ) : (
                        <Tooltip title={`${Math.round(percent(r.goCache, r.image.sizeBytes))}% of the image`}>
                          <span>{formatBytes(r.goCache)}</span>
                        </Tooltip>
                      )}
                    </TableCell>
                    <TableCell sx={{ display: { xs: 'none', lg: 'table-cell' }, whiteSpace: 'nowrap' }}>
                      <Tooltip title={formatDate(r.image.lastAnalysis?.analyzedAt)}>
                        <span>{formatAgo(r.image.lastAnalysis?.analyzedAt)}</span>
                      </Tooltip>
                    </TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <RowStatus job={job} polluted={r.image.lastAnalysis?.summary.polluted} />
                    </TableCell>
                    <TableCell
                      align="right"
                      sx={{ whiteSpace: 'nowrap' }}
                      onClick={(e) => e.stopPropagation()}
                    >
                      <Tooltip title={r.image.lastAnalysis ? 'Analyse again' : 'Analyse'}>
                        <span>
                          <IconButton
                            size="small"
                            aria-label={`Analyse ${r.name}:${r.tag}`}
                            disabled={job !== undefined && isActive(job.status)}
                            onClick={() => void analyse(r.image.id)}
                          >
                            <PlayArrowIcon fontSize="small" />
                          </IconButton>
                        </span>
                      </Tooltip>
                      {desktop && (
                        <Tooltip title="View in Docker Desktop">
                          <IconButton
                            size="small"
                            aria-label="View in Docker Desktop"
                            onClick={() =>
                              void desktop.desktopUI.navigate
                                .viewImage(r.image.id, r.untagged ? '' : r.tag)
                                .catch(() => notify('error', 'Docker Desktop could not open this image'))
                            }
                          >
                            <OpenInNewIcon fontSize="small" />
                          </IconButton>
                        </Tooltip>
                      )}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </Box>
  );
}

function RowStatus({ job, polluted }: { job: AnalysisJob | undefined; polluted: boolean | undefined }) {
  if (job && isActive(job.status)) {
    const pct =
      job.progress.bytesTotal > 0
        ? Math.floor(percent(job.progress.bytesRead, job.progress.bytesTotal))
        : undefined;
    return (
      <Box
        sx={{ display: 'inline-flex', alignItems: 'center', gap: 1, color: 'text.secondary', fontSize: 13 }}
      >
        <CircularProgress size={14} />
        {job.status === 'queued' ? 'Queued' : pct !== undefined ? `Analysing ${pct}%` : 'Analysing'}
      </Box>
    );
  }
  if (job?.status === 'failed') {
    return (
      <Tooltip title={job.error?.message ?? ''}>
        <Chip size="small" color="error" variant="outlined" label="Analysis failed" />
      </Tooltip>
    );
  }
  return <PollutedChip polluted={polluted} />;
}
