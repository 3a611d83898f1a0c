"""Fixed sandbox exchange rates (EUR base) so prices can be quoted in the asked currency."""

from __future__ import annotations

EUR_RATES: dict[str, float] = {
    "EUR": 1.0,
    "USD": 1.08,
    "GBP": 0.85,
    "JPY": 162.0,
    "CHF": 0.95,
    "CAD": 1.47,
    "AUD": 1.63,
    "NZD": 1.78,
    "CNY": 7.8,
    "HKD": 8.45,
    "SGD": 1.45,
    "INR": 90.0,
    "THB": 38.5,
    "KRW": 1450.0,
    "AED": 3.97,
    "QAR": 3.93,
    "TRY": 35.0,
    "SEK": 11.4,
    "NOK": 11.6,
    "DKK": 7.46,
    "PLN": 4.3,
    "CZK": 25.0,
    "HUF": 395.0,
    "MXN": 18.5,
    "BRL": 5.9,
    "ZAR": 20.0,
    "EGP": 52.0,
    "MAD": 10.8,
}

CURRENCY_NAMES: dict[str, str] = {
    "EUR": "EURO",
    "USD": "US DOLLAR",
    "GBP": "POUND STERLING",
    "JPY": "YEN",
    "CHF": "SWISS FRANC",
    "CAD": "CANADIAN DOLLAR",
    "AUD": "AUSTRALIAN DOLLAR",
    "INR": "INDIAN RUPEE",
    "CNY": "YUAN RENMINBI",
}


def convert(amount_eur: float, currency: str) -> float:
    """Convert from EUR with the sandbox rate table (unknown currencies raise KeyError)."""
    return amount_eur * EUR_RATES[currency]


def fmt(amount: float) -> str:
    """Amadeus money string with two decimals."""
    return f"{amount:.2f}"
