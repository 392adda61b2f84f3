import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
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
import CleaningServicesIcon from '@mui/icons-material/CleaningServices';
import RefreshIcon from '@mui/icons-material/Refresh';
import StorageIcon from '@mui/icons-material/Storage';
import { useState } from 'react';
import type { BuildCacheRecord } from '../api/types';
import { PruneDialog } from '../components/PruneDialog';
import { SectionTitle, ViewHeader } from '../components/Section';
import { StatCard } from '../components/StatCard';
import { EmptyState, ErrorState, LoadingState } from '../components/StateViews';
import { useBuildCache } from '../hooks/data';
import { describeRecord, groupOf, type Group } from '../lib/buildCache';
import { formatAgo, formatBytes, formatDate } from '../lib/format';
import { useLens } from '../store/context';
import { isGoCacheRecord } from '../store/selectors';
import { categoryColors } from '../theme/colors';

const OTHER_PAGE = 10;

export function BuildCacheView() {
  const theme = useTheme();
  const colors = categoryColors(theme);
  const { buildCache, reload } = useBuildCache({ fresh: true });
  const prune = useLens((s) => s.prune);
  const planPrune = useLens((s) => s.planPrune);
  const records = buildCache.data?.records ?? [];
  const groups: Record<Group, BuildCacheRecord[]> = { module: [], build: [], other: [] };
  for (const r of [...records].sort((a, b) => b.size - a.size)) groups[groupOf(r)].push(r);
  const bytes = (g: Group) => groups[g].reduce((a, r) => a + r.size, 0);
  const prunable = records.filter((r) => isGoCacheRecord(r) && !r.inUse);

  return (
    <Box>
      <ViewHeader
        title="Build cache"
        subtitle="BuildKit's cache records, with Go cache mounts told apart. Pruning never touches images, containers, volumes or records in use."
        actions={
          <>
            <Button startIcon={<RefreshIcon />} onClick={() => void reload()}>
              Refresh
            </Button>
            <Tooltip title={prunable.length === 0 && buildCache.data ? 'No Go cache mount to prune' : ''}>
              <span>
                <Button
                  variant="contained"
                  color="primary"
                  startIcon={<CleaningServicesIcon />}
                  disabled={!buildCache.data || prunable.length === 0 || prune.phase !== 'idle'}
                  onClick={() => void planPrune({ scope: 'go-caches' })}
                >
                  {prune.phase === 'planning' ? 'Checking…' : 'Prune Go caches'}
                </Button>
              </span>
            </Tooltip>
          </>
        }
      />
      {buildCache.status === 'error' && buildCache.error && (
        <ErrorState error={buildCache.error} onRetry={() => void reload()} />
      )}
      {!buildCache.data && buildCache.status !== 'error' && <LoadingState label="Reading the build cache…" />}
      {buildCache.data && (
        <>
          <Box
            sx={{ display: 'grid', gap: 1.5, gridTemplateColumns: 'repeat(auto-fit, minmax(200px, 1fr))' }}
          >
            <StatCard
              testId="cache-module"
              label="Go module cache mounts"
              value={formatBytes(bytes('module'))}
              accent={colors.moduleCache}
              detail={`${groups.module.length} record${groups.module.length === 1 ? '' : 's'}`}
            />
            <StatCard
              testId="cache-build"
              label="Go build cache mounts"
              value={formatBytes(bytes('build'))}
              accent={colors.buildCache}
              detail={`${groups.build.length} record${groups.build.length === 1 ? '' : 's'}`}
            />
            <StatCard
              testId="cache-other"
              label="Other build cache"
              value={formatBytes(bytes('other'))}
              accent={colors.base}
              detail={`${groups.other.length} records: layers, sources, other mounts`}
            />
          </Box>
          {records.length === 0 ? (
            <EmptyState icon={<StorageIcon fontSize="inherit" />} title="The build cache is empty">
              Build an image with BuildKit and its cache records show up here.
            </EmptyState>
          ) : (
            <>
              <RecordGroup
                title="Go module cache"
                records={groups.module}
                empty="No Go module cache mount."
              />
              <RecordGroup title="Go build cache" records={groups.build} empty="No Go build cache mount." />
              <RecordGroup title="Other" records={groups.other} empty="Nothing else." page={OTHER_PAGE} />
            </>
          )}
        </>
      )}
      <PruneDialog />
    </Box>
  );
}

function RecordGroup(props: { title: string; records: BuildCacheRecord[]; empty: string; page?: number }) {
  const [all, setAll] = useState(false);
  const shown = props.page && !all ? props.records.slice(0, props.page) : props.records;
  const total = props.records.reduce((a, r) => a + r.size, 0);
  return (
    <Box data-testid={`group-${props.title}`}>
      <SectionTitle
        actions={
          <Typography variant="body2" color="text.secondary">
            {props.records.length} · {formatBytes(total)}
          </Typography>
        }
      >
        {props.title}
      </SectionTitle>
      {props.records.length === 0 ? (
        <Typography color="text.secondary" variant="body2">
          {props.empty}
        </Typography>
      ) : (
        <TableContainer component={Paper} variant="outlined">
          <Table size="small" aria-label={`${props.title} records`} sx={{ tableLayout: 'fixed' }}>
            <TableHead>
              <TableRow>
                <TableCell>Record</TableCell>
                <TableCell sx={{ display: { xs: 'none', md: 'table-cell' }, width: 150 }}>Type</TableCell>
                <TableCell align="right" sx={{ width: 100 }}>
                  Size
                </TableCell>
                <TableCell sx={{ width: 140 }}>Last used</TableCell>
                <TableCell align="right" sx={{ display: { xs: 'none', md: 'table-cell' }, width: 70 }}>
                  Uses
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {shown.map((r) => {
                const d = describeRecord(r);
                return (
                  <TableRow key={r.id} data-testid="cache-record">
                    <TableCell>
                      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', minWidth: 0 }}>
                        <Typography
                          variant="body2"
                          sx={{
                            fontFamily: 'monospace',
                            fontWeight: 600,
                            overflow: 'hidden',
                            textOverflow: 'ellipsis',
                            whiteSpace: 'nowrap',
                          }}
                          title={r.description}
                        >
                          {d.title}
                        </Typography>
                        {r.inUse && <Chip size="small" color="info" label="in use" />}
                        {r.shared && <Chip size="small" variant="outlined" label="shared" />}
                      </Box>
                      {d.detail && (
                        <Typography
                          variant="caption"
                          color="text.secondary"
                          component="div"
                          sx={{
                            fontFamily: 'monospace',
                            overflow: 'hidden',
                            textOverflow: 'ellipsis',
                            whiteSpace: 'nowrap',
                          }}
                          title={d.detail}
                        >
                          {d.detail}
                        </Typography>
                      )}
                    </TableCell>
                    <TableCell sx={{ display: { xs: 'none', md: 'table-cell' }, whiteSpace: 'nowrap' }}>
                      {r.type}
                    </TableCell>
                    <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                      {formatBytes(r.size)}
                    </TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <Tooltip title={formatDate(r.lastUsedAt)}>
                        <span>{formatAgo(r.lastUsedAt)}</span>
                      </Tooltip>
                    </TableCell>
                    <TableCell align="right" sx={{ display: { xs: 'none', md: 'table-cell' } }}>
                      {r.usageCount}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {props.page && props.records.length > props.page && (
        <Button size="small" onClick={() => setAll(!all)} sx={{ mt: 0.5 }}>
          {all ? `Show the biggest ${props.page}` : `Show all ${props.records.length}`}
        </Button>
      )}
    </Box>
  );
}
