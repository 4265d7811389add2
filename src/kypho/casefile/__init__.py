"""The JSON case file: read, write and publish its schema.

Pydantic lives here, at the edge; callers get and give domain ``Case`` objects.
"""

from kypho.casefile.dump import case_json_schema, case_to_dict, dump_case
from kypho.casefile.parse import load_case, parse_case

__all__ = ["case_json_schema", "case_to_dict", "dump_case", "load_case", "parse_case"]
