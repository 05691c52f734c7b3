"""Invoice and credit-note documents: the PDFs (pdf), the Factur-X XML they embed (facturx) and
their wording in the buyer's language (labels)."""

from billing.documents.facturx import facturx_xml, needs_facturx
from billing.documents.pdf import credit_note_pdf, invoice_pdf, save_pdf

__all__ = ["credit_note_pdf", "facturx_xml", "invoice_pdf", "needs_facturx", "save_pdf"]
