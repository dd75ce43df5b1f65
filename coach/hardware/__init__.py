"""Adapters to the physical world: GPIO through gpiozero, the terminal as a button."""
