import Box from '@mui/material/Box';
import { Fragment } from 'react';

/** Text from the backend with `backtick` spans shown as code; the first letter capitalised when asked. */
export function RichText({ text, capitalize = false }: { text: string; capitalize?: boolean }) {
  // Only a plain lower-case word is capitalised: `golang:1.22 is…` keeps its case.
  const t = capitalize && /^[a-z]+(\s|$)/.test(text) ? text[0]!.toUpperCase() + text.slice(1) : text;
  const parts = t.split('`');
  // An odd number of backticks leaves the last one literal.
  if (parts.length % 2 === 0) return <>{t}</>;
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <Box
            key={i}
            component="code"
            sx={{
              fontFamily: 'monospace',
              fontSize: '0.92em',
              px: 0.4,
              borderRadius: 0.5,
              bgcolor: 'action.hover',
            }}
          >
            {p}
          </Box>
        ) : (
          <Fragment key={i}>{p}</Fragment>
        ),
      )}
    </>
  );
}
