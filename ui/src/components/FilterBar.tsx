import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import InputAdornment from '@mui/material/InputAdornment';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import SearchIcon from '@mui/icons-material/Search';
import type { ReactNode } from 'react';

/** A list's search field and one on/off filter, with whatever the list adds after them (a count). */
export function FilterBar(props: {
  text: string;
  onText(text: string): void;
  placeholder: string;
  ariaLabel: string;
  switchLabel: string;
  checked: boolean;
  onChecked(checked: boolean): void;
  children?: ReactNode;
}) {
  return (
    <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap', mb: 1.5 }}>
      <TextField
        size="small"
        placeholder={props.placeholder}
        value={props.text}
        onChange={(e) => props.onText(e.target.value)}
        slotProps={{
          input: {
            startAdornment: (
              <InputAdornment position="start">
                <SearchIcon fontSize="small" />
              </InputAdornment>
            ),
          },
          htmlInput: { 'aria-label': props.ariaLabel },
        }}
        sx={{ flex: '1 1 260px', maxWidth: 420 }}
      />
      <FormControlLabel
        control={<Switch checked={props.checked} onChange={(e) => props.onChecked(e.target.checked)} />}
        label={props.switchLabel}
      />
      {props.children}
    </Box>
  );
}
