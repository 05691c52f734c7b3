"""Demo credits for the demo organizations, and one finished offline image in Alice's gallery."""

from accounts.models import Organization, User
from generation import services
from generation.models import GenerationJob

DEMO_CREDITS = {"alice-studio": 200, "bob-digital": 100}


def seed(log):
    for slug, credits in DEMO_CREDITS.items():
        organization = Organization.objects.filter(slug=slug).first()
        if organization:
            services.grant_credits(organization=organization, amount=credits, reason="Demo credits", order_ref=f"DEMO-{slug}")
    alice = User.objects.filter(email="alice@webox.test").first()
    studio = Organization.objects.filter(slug="alice-studio").first()
    if alice and studio and not GenerationJob.objects.filter(organization=studio).exists():
        job = services.submit_job(
            organization=studio,
            user=alice,
            kind="image",
            provider="offline",
            model="offline-canvas",
            prompt="A lighthouse on a cliff at dusk, seen from the sea",
            params={"width": 768, "height": 512, "count": 1},
        )
        # Run it here so the gallery is not empty even before a worker starts (a worker that
        # picks the task up later finds it finished and leaves it).
        services.execute_job(job_id=job.pk)
        log(f"  offline demo image: job #{job.pk}")
