import Button from '@mui/material/Button';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import { useState } from 'react';
import type { ModuleUsage } from '../api/types';
import { formatBytes } from '../lib/format';

type Key = 'path' | 'version' | 'bytes';
const PAGE = 50;

export function sortModules(modules: ModuleUsage[], key: Key, dir: 'asc' | 'desc'): ModuleUsage[] {
  const d = dir === 'asc' ? 1 : -1;
  return [...modules].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return c !== 0 ? c * d : a.path.localeCompare(b.path) || a.version.localeCompare(b.version);
  });
}

/** module@version rows of one module cache, sortable, biggest first. */
export function ModuleTable({ modules, label }: { modules: ModuleUsage[]; label: string }) {
  const [sort, setSort] = useState<{ key: Key; dir: 'asc' | 'desc' }>({ key: 'bytes', dir: 'desc' });
  const [all, setAll] = useState(false);
  const rows = sortModules(modules, sort.key, sort.dir);
  const shown = all ? rows : rows.slice(0, PAGE);
  const header = (key: Key, text: string, numeric = false) => (
    <TableCell align={numeric ? 'right' : 'left'} sortDirection={sort.key === key ? sort.dir : false}>
      <TableSortLabel
        active={sort.key === key}
        direction={sort.key === key ? sort.dir : 'asc'}
        onClick={() =>
          setSort({
            key,
            dir: sort.key === key ? (sort.dir === 'asc' ? 'desc' : 'asc') : numeric ? 'desc' : 'asc',
          })
        }
      >
        {text}
      </TableSortLabel>
    </TableCell>
  );
  return (
    <>
      <Table size="small" aria-label={label}>
        <TableHead>
          <TableRow>
            {header('path', 'Module')}
            {header('version', 'Version')}
            {header('bytes', 'Size', true)}
          </TableRow>
        </TableHead>
        <TableBody>
          {shown.map((m) => (
            <TableRow key={`${m.path}@${m.version}`} data-testid="module-row">
              <TableCell sx={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}>{m.path}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{m.version}</TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                {formatBytes(m.bytes)}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {rows.length > PAGE && (
        <Button size="small" onClick={() => setAll(!all)} sx={{ mt: 1 }}>
          {all ? 'Show the biggest 50' : `Show all ${rows.length} modules`}
        </Button>
      )}
    </>
  );
}
