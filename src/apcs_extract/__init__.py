"""Synthetic SUS/NCDR admitted patient care extracts for the 2K_RFD_back dbt project."""

from apcs_extract.generate import ExtractSpec, generate
from apcs_extract.write import write_extract

__all__ = ["ExtractSpec", "generate", "write_extract"]
