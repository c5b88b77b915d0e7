"""DRF, OAuth2 and OneRoster service settings."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "timeback.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

OAUTH2_PROVIDER = {
    # Access tokens live one hour, as Timeback clients expect (expires_in: 3600).
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # Scopes are validated by tenancy.oauth.TimebackOAuth2Validator against each client's grant.
    "SCOPES_BACKEND_CLASS": "tenancy.oauth.OneRosterScopes",
    "OAUTH2_VALIDATOR_CLASS": "tenancy.oauth.TimebackOAuth2Validator",
    # Only the client-credentials grant is used; everything else follows RFC 9700 (the OAuth
    # 2.0 security BCP) so that `check --deploy` is clean and tokens are stored hashed.
    "PKCE_REQUIRED": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

ONEROSTER = {
    "DEFAULT_LIMIT": 100,
    "MAX_LIMIT": 3000,
}

# Named explicitly so that migrations can resolve the swappable OAuth2 models.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
