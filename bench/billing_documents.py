"""What Factur-X costs an invoice's rendering (run on purpose, not in the tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/webox_documents .venv/bin/python bench/billing_documents.py [--rounds 15]

In a throw-away database: one invoice to a consumer (a plain PDF) and one to a business (PDF/A-3
with its CII XML embedded and the document information rewritten from the XMP), rendered `rounds`
times each as the task does (billing.documents.invoice_pdf); then, on the business one, the parts
Factur-X adds: the XML, factur-x's embedding (XSD check included) and the metadata rewrite. Prints
medians per document, and the machine and its load.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common  # noqa: E402

common.setup_django(cache_prefix="bench-documents")


def median_ms(fn, rounds):
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with common.throwaway_database():
        from accounts.models import Organization
        from billing import services
        from billing.documents import facturx, pdf

        def invoice_for(name, **identity):
            org = Organization.objects.create(name=name, slug=name.lower(), currency="EUR", **identity)
            line = services.LineSpec(description="Pro plan, 1 Dec 2026 – 1 Jan 2027", quantity=1, unit_amount=2900)
            return services.create_invoice(organization=org, lines=[line], source_type="manual", source_id=name)

        consumer = invoice_for("Consumer", is_business=False)
        business = invoice_for("Business", is_business=True, siren="732829320", vat_number="FR44732829320")
        pdf.invoice_pdf(business)  # WeasyPrint and factur-x loaded, fonts cached
        plain_ms = median_ms(lambda: pdf.invoice_pdf(consumer), args.rounds)
        facturx_ms = median_ms(lambda: pdf.invoice_pdf(business), args.rounds)
        rendered = pdf._render("billing/pdf/invoice.html", {"doc": business, **_context(pdf, business)}, pdf_a=True)
        xml_ms = median_ms(lambda: facturx.facturx_xml(business), args.rounds)
        embed_ms = median_ms(lambda: facturx.embed_xml(rendered, business, "en"), args.rounds)
        embedded = facturx.embed_xml(rendered, business, "en")
        align_ms = median_ms(lambda: facturx.align_info_with_xmp(embedded), args.rounds)
        print(common.machine())
        print(f"consumer invoice (plain PDF):            {plain_ms:7.1f} ms")
        print(f"business invoice (Factur-X PDF/A-3):     {facturx_ms:7.1f} ms")
        print(f"  of which CII XML:                      {xml_ms:7.1f} ms")
        print(f"  of which embedding + metadata rewrite: {embed_ms:7.1f} ms (rewrite alone {align_ms:.1f} ms)")


def _context(pdf, invoice):
    from billing.documents.labels import LABELS
    from billing.pricing import vat_breakdown

    lines = list(invoice.lines.all())
    return {"kind": "Invoice", "labels": LABELS["en"], "lang": "en", "lines": lines, "vat_breakdown": vat_breakdown(lines)}


if __name__ == "__main__":
    main()
