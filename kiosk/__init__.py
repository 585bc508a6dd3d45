"""The counter-side evaluator kiosk of the 政务服务好差评 system."""
__version__ = "0.1.0"
