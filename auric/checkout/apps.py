from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "auric.checkout"
    label = "checkout"
    verbose_name = "Checkout"

    def ready(self) -> None:
        # Registers the event handlers and the login hook that merges a guest cart.
        from auric.checkout import events  # noqa: F401
