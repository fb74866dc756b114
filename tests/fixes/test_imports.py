"""Idempotent import insertion (nova_lsp.checks.imports): reuse whatever import the module has,
otherwise add one in its hacking group, in alphabetical position, after ``__future__`` and the
docstring — never twice."""

from __future__ import annotations

import pytest

from fixprops import golden
from nova_lsp.core.document import Document, apply_edits
from nova_lsp.engine.context import CheckContext
from nova_lsp.engine.parse import NodeIndex, parse
from nova_lsp.engine.registry import load_registry
from nova_lsp.checks.imports import ImportPlan


def plan_for(text: str, path: str = "nova/compute/manager.py") -> ImportPlan:
    document = Document(text, path)
    module = parse(document)
    rule = load_registry().get("NOVA001")
    return ImportPlan(CheckContext(module, document, rule, dict(rule.options), NodeIndex(module)))


def refer(text: str, *wanted, path: str = "nova/compute/manager.py", at_line: int | None = None):
    """(expressions, text with the imports added) for ``wanted`` (module, attr) pairs."""
    plan = plan_for(text, path)
    at = None
    if at_line is not None:
        at = next(n for n in plan.ctx.module.nodes_of_class(_Return) if n.lineno == at_line)
    refs = [plan.ref(module, attr, at) for module, attr in wanted]
    return refs, apply_edits(text, plan.edits())


from astroid.nodes import Return as _Return  # noqa: E402


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ("from oslo_utils import strutils\n", "strutils.mask_password"),
        ("from oslo_utils import strutils as su\n", "su.mask_password"),
        ("import oslo_utils.strutils\n", "oslo_utils.strutils.mask_password"),
        ("import oslo_utils.strutils as su\n", "su.mask_password"),
        ("from oslo_utils.strutils import mask_password\n", "mask_password"),
        ("from oslo_utils.strutils import mask_password as mp\n", "mp.__call__".split(".")[0]),
        ("try:\n    from oslo_utils import strutils\nexcept ImportError:\n    strutils = None\n", None),
    ],
)
def test_existing_imports_are_reused_under_their_name(existing, expected):
    text = existing + "\nX = 1\n"
    refs, new = refer(text, ("oslo_utils.strutils", "mask_password"))
    if expected is None:  # rebound at module level: not safe to assume it is the module
        assert refs == ["oslo_utils_strutils.mask_password"]
        return
    assert refs == [expected]
    assert new == text


def test_a_sibling_submodule_import_does_not_count():
    # ``import oslo_utils.uuidutils`` does not load oslo_utils.strutils
    text = "import oslo_utils.uuidutils\n"
    refs, new = refer(text, ("oslo_utils.strutils", "mask_password"))
    assert refs == ["strutils.mask_password"]
    assert new == "from oslo_utils import strutils\nimport oslo_utils.uuidutils\n"


def test_groups_order_and_alphabetical_position():
    text = golden(
        '''
        """Doc."""

        from __future__ import annotations

        import os
        import sys

        from oslo_log import log as logging
        import oslo_messaging as messaging

        from nova import exception
        from nova import utils

        LOG = logging.getLogger(__name__)
        '''
    )
    refs, new = refer(
        text,
        ("time", "sleep"),
        ("random", "uniform"),
        ("oslo_utils.strutils", "mask_password"),
        ("nova.scheduler.utils", "validate"),
    )
    assert refs == ["time.sleep", "random.uniform", "strutils.mask_password", "scheduler_utils.validate"]
    assert new == golden(
        '''
        """Doc."""

        from __future__ import annotations

        import os
        import random
        import sys
        import time

        from oslo_log import log as logging
        import oslo_messaging as messaging
        from oslo_utils import strutils

        from nova import exception
        from nova.scheduler import utils as scheduler_utils
        from nova import utils

        LOG = logging.getLogger(__name__)
        '''
    )


def test_a_new_group_goes_between_the_existing_ones_with_blank_lines():
    text = "import os\n\nfrom nova import utils\n\nX = 1\n"
    _, new = refer(text, ("oslo_utils.strutils", "mask_password"))
    assert new == "import os\n\nfrom oslo_utils import strutils\n\nfrom nova import utils\n\nX = 1\n"
    text = "from nova import utils\n\nX = 1\n"
    _, new = refer(text, ("time", "sleep"))
    assert new == "import time\n\nfrom nova import utils\n\nX = 1\n"


def test_license_header_docstring_and_no_imports():
    text = golden(
        '''
        # Copyright 2024 OpenStack Foundation
        #
        #    Licensed under the Apache License, Version 2.0.

        """Doc."""
        X = 1
        '''
    )
    _, new = refer(text, ("time", "sleep"))
    assert new == golden(
        '''
        # Copyright 2024 OpenStack Foundation
        #
        #    Licensed under the Apache License, Version 2.0.

        """Doc."""

        import time

        X = 1
        '''
    )


def test_comments_above_the_first_import_stay_with_it():
    text = "import os\n\n# the messaging layer\nimport oslo_messaging\n"
    _, new = refer(text, ("nova.utils", "f"), ("oslo_utils.strutils", "f"))
    assert new == "import os\n\n# the messaging layer\nimport oslo_messaging\nfrom oslo_utils import strutils\n\nfrom nova import utils\n"
    text = "import os\n\n# the messaging layer\nimport oslo_messaging\n"
    _, new = refer(text, ("aaa", "f"))
    assert new == "import os\n\nimport aaa\n# the messaging layer\nimport oslo_messaging\n"


def test_shebang_coding_cookie_and_header_stay_first():
    text = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport oslo_messaging\n"
    _, new = refer(text, ("time", "sleep"))
    assert new == "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nimport time\n\nimport oslo_messaging\n"
    text = "#!/usr/bin/env python\n# Licensed under the Apache License.\nX = 1\n"
    _, new = refer(text, ("time", "sleep"))
    assert new == "#!/usr/bin/env python\n# Licensed under the Apache License.\nimport time\n\nX = 1\n"


def test_empty_module_and_module_with_only_code():
    assert refer("", ("time", "sleep"))[1] == "import time\n"
    assert refer("def f():\n    pass\n", ("time", "sleep"))[1] == "import time\n\n\ndef f():\n    pass\n"
    assert refer("x = 1", ("time", "sleep"))[1] == "import time\n\nx = 1"


def test_names_imported_from_a_module_get_one_more_name_from_it():
    text = "from tenacity import retry\n"
    refs, new = refer(text, ("tenacity", "wait_random_exponential"))
    assert refs == ["wait_random_exponential"]
    assert new == "from tenacity import retry\nfrom tenacity import wait_random_exponential\n"


def test_shadowing_parameter_and_module_level_name_get_an_alias():
    text = "import time\n\n\ndef f(time):\n    return time\n"
    refs, new = refer(text, ("time", "sleep"), at_line=5)
    assert refs == ["_time.sleep"]
    assert new == "import time\nimport time as _time\n\n\ndef f(time):\n    return time\n"
    text = "strutils = None\n"
    refs, new = refer(text, ("oslo_utils.strutils", "mask_password"))
    assert refs == ["oslo_utils_strutils.mask_password"]
    assert new == "from oslo_utils import strutils as oslo_utils_strutils\n\nstrutils = None\n"


def test_the_same_import_asked_twice_is_added_once_and_reapplying_adds_nothing():
    text = "import os\n"
    plan = plan_for(text)
    assert plan.ref("time", "sleep") == plan.ref("time", "sleep") == "time.sleep"
    edits = plan.edits()
    assert len(edits) == 1
    new = apply_edits(text, edits)
    again = plan_for(new)
    assert again.ref("time", "sleep") == "time.sleep" and again.edits() == ()


def test_project_packages_come_from_the_path():
    text = "import os\n\nimport six\n"
    _, new = refer(text, ("glance.common.utils", "f"), path="glance/api/v2/images.py")
    assert new == "import os\n\nimport six\n\nfrom glance.common import utils\n"
    _, new = refer(text, ("glance.common.utils", "f"), path="nova/api/v2/images.py")
    assert new == "import os\n\nfrom glance.common import utils\nimport six\n"


def test_crlf_is_kept():
    text = "import os\r\n\r\nfrom nova import utils\r\n"
    _, new = refer(text, ("oslo_utils.strutils", "mask_password"))
    assert new == "import os\r\n\r\nfrom oslo_utils import strutils\r\n\r\nfrom nova import utils\r\n"
