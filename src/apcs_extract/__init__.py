"""Synthetic SUS/NCDR admitted patient care extracts for the 2K_RFD_back dbt project."""

from apcs_extract.generate import ExtractSpec, generate, generate_chunks
from apcs_extract.write import write_extract, write_extract_chunks

__all__ = ["ExtractSpec", "generate", "generate_chunks", "write_extract", "write_extract_chunks"]
