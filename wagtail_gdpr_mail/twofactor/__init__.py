"""Two-factor sign-in for the Wagtail admin, on django-otp (TOTP and recovery codes).

Optional: ``pip install wagtail-gdpr-mail[twofactor]``, then add ``django_otp``,
``django_otp.plugins.otp_totp`` and ``django_otp.plugins.otp_static`` to
``INSTALLED_APPS``, ``django_otp.middleware.OTPMiddleware`` and
:class:`~wagtail_gdpr_mail.twofactor.middleware.TwoFactorMiddleware` (in that order,
after ``AuthenticationMiddleware``) to ``MIDDLEWARE``, and
``path("two-factor/", include("wagtail_gdpr_mail.twofactor.urls"))`` to the URLs.
Nothing else in the app imports this package.
"""
