import Autocomplete from '@mui/material/Autocomplete';
import FormControlLabel from '@mui/material/FormControlLabel';
import Switch from '@mui/material/Switch';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import CompareArrowsIcon from '@mui/icons-material/CompareArrows';
import { useEffect, useState } from 'react';
import type { CompareEntry, ImageSummary, PastAnalysis } from '../api/types';
import { SectionTitle, ViewHeader } from '../components/Section';
import { Legend, StackedBar } from '../components/StackedBar';
import { EmptyState, ErrorState, LoadingState } from '../components/StateViews';
import { useImages } from '../hooks/data';
import { formatBytes, formatDate, percent, share } from '../lib/format';
import { findImage, imageLabel } from '../lib/images';
import { MAX_COMPARE, MIN_COMPARE } from '../store/compare';
import { useLens } from '../store/context';
import { CATEGORY_LABELS, categoryColors, trackColor, type SizeCategory } from '../theme/colors';

const ORDER: SizeCategory[] = ['base', 'moduleCache', 'buildCache', 'wasted', 'rest'];
const GO_ONLY: SizeCategory[] = ['moduleCache', 'buildCache', 'wasted'];

export function CompareView() {
  const theme = useTheme();
  const colors = categoryColors(theme);
  const { images } = useImages({ fresh: true });
  const compare = useLens((s) => s.compare);
  const select = useLens((s) => s.setCompareSelection);
  const loadTrend = useLens((s) => s.loadTrend);
  const analysed = (images.data ?? []).filter((i) => i.lastAnalysis);
  const selected = compare.selected
    .map((id) => findImage(images.data, id))
    .filter((i): i is ImageSummary => i !== undefined);

  // Default the trend to the first picked image.
  const first = compare.selected[0];
  useEffect(() => {
    if (first && (!compare.trendImage || !compare.selected.includes(compare.trendImage)))
      void loadTrend(first);
  }, [first, compare.trendImage, compare.selected, loadTrend]);

  const entries = compare.data.data ?? [];
  const [goOnly, setGoOnly] = useState(false);
  const shown = goOnly ? GO_ONLY : ORDER;
  const goBytes = (e: CompareEntry) => e.breakdown.moduleCache + e.breakdown.buildCache + e.breakdown.wasted;
  const max = Math.max(1, ...entries.map(goOnly ? goBytes : entryTotal));

  return (
    <Box>
      <ViewHeader
        title="Compare"
        subtitle="Pick two to five analysed images to see what their bytes are made of, and how one image changed over its past analyses."
      />
      {images.status === 'error' && images.error && <ErrorState error={images.error} />}
      <Autocomplete
        multiple
        options={analysed}
        value={selected}
        getOptionLabel={(o) => imageLabel(o)}
        isOptionEqualToValue={(a, b) => a.id === b.id}
        getOptionDisabled={(o) => selected.length >= MAX_COMPARE && !selected.some((s) => s.id === o.id)}
        onChange={(_e, value) => void select(value.map((v) => v.id))}
        filterSelectedOptions
        loading={images.status === 'loading'}
        noOptionsText={analysed.length === 0 ? 'No analysed image yet: analyse some first' : 'No more images'}
        renderInput={(params) => (
          <TextField
            {...params}
            label={`Images to compare (${MIN_COMPARE} to ${MAX_COMPARE})`}
            placeholder="Add an image"
          />
        )}
        sx={{ maxWidth: 760, mb: 2 }}
      />
      {compare.selected.length < MIN_COMPARE ? (
        <EmptyState icon={<CompareArrowsIcon fontSize="inherit" />} title="Pick at least two images">
          {analysed.length < MIN_COMPARE
            ? 'Only analysed images can be compared. Analyse a few images first (Overview → Analyse all).'
            : 'The comparison shows each image split into base layers, Go module cache, Go build cache, bytes deleted later but still shipped, and everything else.'}
        </EmptyState>
      ) : (
        <Paper variant="outlined" sx={{ p: { xs: 1.5, md: 2 } }}>
          <Box
            sx={{
              mb: 1.5,
              display: 'flex',
              gap: 2,
              alignItems: 'center',
              justifyContent: 'space-between',
              flexWrap: 'wrap',
            }}
          >
            <Legend items={shown.map((k) => ({ key: k, label: CATEGORY_LABELS[k], color: colors[k] }))} />
            <FormControlLabel
              control={<Switch size="small" checked={goOnly} onChange={(e) => setGoOnly(e.target.checked)} />}
              label="Go caches only"
              sx={{ mr: 0 }}
            />
          </Box>
          {compare.data.status === 'loading' && !compare.data.data && <LoadingState label="Comparing…" />}
          {compare.data.status === 'error' && compare.data.error && <ErrorState error={compare.data.error} />}
          {entries.map((e) => {
            const total = entryTotal(e);
            const go = goBytes(e);
            const image = findImage(images.data, e.image);
            return (
              <Box key={e.image} data-testid="compare-row" sx={{ py: 1 }}>
                <Box
                  sx={{ display: 'flex', justifyContent: 'space-between', gap: 1, flexWrap: 'wrap', mb: 0.5 }}
                >
                  <Typography sx={{ fontWeight: 600, overflowWrap: 'anywhere' }}>
                    {image ? imageLabel(image) : e.ref}
                  </Typography>
                  <Typography
                    variant="body2"
                    color="text.secondary"
                    sx={{ fontVariantNumeric: 'tabular-nums' }}
                  >
                    {formatBytes(total)} · Go caches {formatBytes(go)} ({share(go, total)})
                  </Typography>
                </Box>
                <StackedBar
                  max={max}
                  label={`${image ? imageLabel(image) : e.ref}: ${shown.map((k) => `${CATEGORY_LABELS[k]} ${formatBytes(e.breakdown[k])}`).join(', ')}`}
                  segments={shown.map((k) => ({
                    key: k,
                    label: CATEGORY_LABELS[k],
                    value: e.breakdown[k],
                    color: colors[k],
                  }))}
                />
              </Box>
            );
          })}
        </Paper>
      )}

      {compare.selected.length > 0 && (
        <>
          <SectionTitle
            actions={
              <TextField
                select
                size="small"
                label="Image"
                value={
                  compare.trendImage && compare.selected.includes(compare.trendImage)
                    ? compare.trendImage
                    : ''
                }
                onChange={(e) => void loadTrend(e.target.value)}
                sx={{ minWidth: 220 }}
              >
                {selected.map((i) => (
                  <MenuItem key={i.id} value={i.id}>
                    {imageLabel(i)}
                  </MenuItem>
                ))}
              </TextField>
            }
          >
            Trend over past analyses
          </SectionTitle>
          <Paper variant="outlined" sx={{ p: { xs: 1.5, md: 2 } }}>
            {compare.trend.status === 'loading' && <LoadingState label="Loading past analyses…" />}
            {compare.trend.status === 'error' && compare.trend.error && (
              <ErrorState error={compare.trend.error} />
            )}
            {compare.trend.data && <Trend past={compare.trend.data} />}
          </Paper>
        </>
      )}
    </Box>
  );
}

function entryTotal(e: CompareEntry): number {
  const sum = ORDER.reduce((a, k) => a + e.breakdown[k], 0);
  return Math.max(sum, e.totalBytes);
}

/** Columns, oldest to newest: image size split into Go caches and the rest. */
function Trend({ past }: { past: PastAnalysis[] }) {
  const theme = useTheme();
  const colors = categoryColors(theme);
  if (past.length === 0)
    return <Typography color="text.secondary">No stored analysis of this image.</Typography>;
  const points = [...past].reverse();
  const max = Math.max(1, ...points.map((p) => p.sizeBytes));
  const firstP = points[0]!;
  const last = points[points.length - 1]!;
  const delta = last.sizeBytes - firstP.sizeBytes;
  const HEIGHT = 150;
  return (
    <Box data-testid="trend">
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5 }}>
        {points.length} analys{points.length === 1 ? 'is' : 'es'} since {formatDate(firstP.analyzedAt)}
        {points.length > 1
          ? ` · size ${delta >= 0 ? '+' : '−'}${formatBytes(Math.abs(delta))}`
          : '. Analyse it again after the next build to see how it changes.'}
      </Typography>
      <Box
        sx={{ display: 'flex', alignItems: 'flex-end', gap: 1, height: HEIGHT, overflowX: 'auto', pb: 0.5 }}
      >
        {points.map((p, i) => {
          const s = p.summary;
          const size = p.sizeBytes;
          const parts: [SizeCategory, number][] = [
            ['rest', Math.max(0, size - s.moduleCacheBytes - s.buildCacheBytes - s.wastedGoCacheBytes)],
            ['wasted', s.wastedGoCacheBytes],
            ['buildCache', s.buildCacheBytes],
            ['moduleCache', s.moduleCacheBytes],
          ];
          return (
            <Tooltip
              key={`${p.analyzedAt}-${i}`}
              title={`${formatDate(p.analyzedAt)}: ${formatBytes(size)}, Go caches ${formatBytes(size - parts[0]![1])}`}
            >
              <Box
                data-testid="trend-point"
                sx={{
                  flex: '1 0 18px',
                  maxWidth: 56,
                  height: `${Math.max(2, percent(size, max))}%`,
                  display: 'flex',
                  flexDirection: 'column-reverse',
                  borderRadius: '3px 3px 0 0',
                  overflow: 'hidden',
                  bgcolor: trackColor(theme),
                }}
              >
                {parts.map(([k, v]) => (
                  <Box
                    key={k}
                    sx={{ flexGrow: v, flexBasis: 0, bgcolor: k === 'rest' ? colors.rest : colors[k] }}
                  />
                ))}
              </Box>
            </Tooltip>
          );
        })}
      </Box>
      <Box sx={{ display: 'flex', justifyContent: 'space-between', mt: 0.5 }}>
        <Typography variant="caption" color="text.secondary">
          {formatDate(firstP.analyzedAt)}
        </Typography>
        {points.length > 1 && (
          <Typography variant="caption" color="text.secondary">
            {formatDate(last.analyzedAt)}
          </Typography>
        )}
      </Box>
    </Box>
  );
}
