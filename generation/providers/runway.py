"""Runway video: submit POST https://api.dev.runwayml.com/v1/text_to_video, then poll
GET /v1/tasks/{id} until SUCCEEDED (output: video URLs, copied at once) or FAILED.

Auth `Authorization: Bearer $RUNWAY_API_KEY` plus the required `X-Runway-Version` header.
A job canceled here is canceled at Runway too (DELETE /v1/tasks/{id}).
"""

from datetime import date

from django.utils.translation import gettext as _

from generation import conf
from generation.providers import http
from generation.providers.base import (
    Capability,
    ContentRefused,
    JobCanceled,
    ModelPrice,
    OutputFile,
    PriceTable,
    Provider,
    ProviderError,
    Result,
)

BASE_URL = "https://api.dev.runwayml.com/v1"
API_VERSION = "2024-11-06"
RATIOS = {"16:9": "1280:720", "9:16": "720:1280", "1:1": "960:960"}
POLL_SECONDS = 5

PRICES = PriceTable(
    read_on=date(2026, 11, 21),
    source="https://docs.dev.runwayml.com/guides/pricing/ (12 credits per second, 1 credit = $0.01)",
    models={"gen4.5": ModelPrice(per_second=120_000)},
)


class RunwayProvider(Provider):
    name = "runway"
    label = "Runway"
    key_variable = "RUNWAY_API_KEY"
    capabilities = {"video": Capability(models=("gen4.5",), durations=(5, 10), aspects=tuple(RATIOS))}
    prices = PRICES

    def _headers(self):
        return {
            "Authorization": f"Bearer {conf.get('RUNWAY_API_KEY')}",
            "X-Runway-Version": API_VERSION,
            "Content-Type": "application/json",
        }

    def run(self, job, report):
        body = {
            "model": job.model,
            "promptText": job.prompt,
            "ratio": RATIOS[job.parameters["aspect"]],
            "duration": job.parameters["duration"],
        }
        task_id = http.request(self, "POST", f"{BASE_URL}/text_to_video", headers=self._headers(), json=body).json()["id"]
        try:
            return self._wait(task_id, report)
        except JobCanceled:
            http.request(self, "DELETE", f"{BASE_URL}/tasks/{task_id}", headers=self._headers())
            raise

    def _wait(self, task_id, report):
        """Poll until the task ends; the Celery time limit of video jobs bounds the wait."""
        while True:
            task = http.request(self, "GET", f"{BASE_URL}/tasks/{task_id}", headers=self._headers()).json()
            status = task.get("status")
            if status == "SUCCEEDED":
                files = [
                    OutputFile(f"runway-{i}.mp4", http.fetch(self, url), "video/mp4")
                    for i, url in enumerate(task.get("output") or [], 1)
                ]
                return Result(files=files)
            if status == "FAILED":
                code = task.get("failureCode") or ""
                message = task.get("failure") or _("the task failed")
                if code.startswith("SAFETY"):
                    detail = {"provider": "Runway", "detail": message}
                    raise ContentRefused(_("%(provider)s refused this prompt: %(detail)s") % detail)
                raise ProviderError(_("Runway could not make the video: %(detail)s") % {"detail": message})
            if status == "CANCELLED":
                raise ProviderError(_("Runway canceled the task."))
            report(10 + int(80 * float(task.get("progress") or 0)))
            http.sleep(POLL_SECONDS)


provider = RunwayProvider()
