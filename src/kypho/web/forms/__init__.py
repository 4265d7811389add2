"""The case form: its fields read off the case-file models, and form <-> case-file JSON.

``case_tree`` lists the inputs, ``form_values`` fills them from a case file,
``check_form`` reads a submitted form back into a case file and checks it, every
message under the input it belongs to.
"""

from kypho.web.forms.check import Checked, check_form
from kypho.web.forms.tree import case_tree
from kypho.web.forms.values import case_data, form_values

__all__ = ["Checked", "case_data", "case_tree", "check_form", "form_values"]
