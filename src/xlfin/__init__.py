"""xlfin: project financials and billing records from finance workbooks."""

__version__ = "0.1.0"
