from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"

    def ready(self):
        from notifications import kinds

        kinds.register("generation_completed")
        kinds.register("generation_failed")
