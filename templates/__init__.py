"""Files `xlfin template` builds the input workbook from (shipped as xlfin.templates)."""
