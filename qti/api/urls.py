"""HTTP routes of the QTI API, mounted at the site root: the paths are Timeback's (the
official client joins them to its base URL with an empty path prefix)."""

from django.urls import re_path

from qti.api import views

app_name = "qti-api"

# With and without a trailing slash, no redirect (a redirected POST loses its body).
# Identifiers are QTI identifiers (no slash).
_TEST = r"assessment-tests/(?P<assessmentTestIdentifier>[^/]+)"
_PART = _TEST + r"/test-parts/(?P<testPartIdentifier>[^/]+)"
# A feedback's public id: a UUID, so that ``/{id}`` at the site root matches no other root
# path (``/dashboard``, ``/admin`` keep their slash redirects; the apps mounted after this one
# keep their paths).
_FEEDBACK_ID = r"(?P<id>[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})"

urlpatterns = [
    re_path(r"^assessment-items/?$", views.AssessmentItemListView.as_view(), name="items"),
    # Before the item detail route: "metadata" is not an item identifier here.
    re_path(
        r"^assessment-items/metadata/?$",
        views.AssessmentItemMetadataView.as_view(),
        name="items-metadata",
    ),
    re_path(
        r"^assessment-items/(?P<identifier>[^/]+)/process-response/?$",
        views.ProcessResponseView.as_view(),
        name="item-process-response",
    ),
    re_path(
        r"^assessment-items/(?P<identifier>[^/]+)/?$",
        views.AssessmentItemDetailView.as_view(),
        name="item",
    ),
    re_path(r"^stimuli/?$", views.StimulusListView.as_view(), name="stimuli"),
    re_path(
        r"^stimuli/(?P<identifier>[^/]+)/?$", views.StimulusDetailView.as_view(), name="stimulus"
    ),
    re_path(r"^assessment-tests/?$", views.AssessmentTestListView.as_view(), name="tests"),
    re_path(
        r"^assessment-tests/(?P<identifier>[^/]+)/questions/?$",
        views.AssessmentTestQuestionsView.as_view(),
        name="test-questions",
    ),
    re_path(
        r"^assessment-tests/(?P<identifier>[^/]+)/metadata/?$",
        views.AssessmentTestMetadataView.as_view(),
        name="test-metadata",
    ),
    re_path(
        rf"^{_TEST}/test-parts/?$",
        views.TestPartListView.as_view(),
        name="test-parts",
    ),
    re_path(
        rf"^{_TEST}/test-parts/(?P<identifier>[^/]+)/?$",
        views.TestPartDetailView.as_view(),
        name="test-part",
    ),
    re_path(rf"^{_PART}/sections/?$", views.SectionListView.as_view(), name="sections"),
    re_path(
        rf"^{_PART}/sections/(?P<identifier>[^/]+)/?$",
        views.SectionDetailView.as_view(),
        name="section",
    ),
    re_path(
        rf"^{_PART}/sections/(?P<identifier>[^/]+)/items/?$",
        views.SectionItemListView.as_view(),
        name="section-items",
    ),
    # Before the item route: "order" is not an item identifier here.
    re_path(
        rf"^{_PART}/sections/(?P<identifier>[^/]+)/items/order/?$",
        views.SectionItemOrderView.as_view(),
        name="section-items-order",
    ),
    re_path(
        rf"^{_PART}/sections/(?P<identifier>[^/]+)/items/(?P<itemIdentifier>[^/]+)/?$",
        views.SectionItemDetailView.as_view(),
        name="section-item",
    ),
    re_path(
        r"^assessment-tests/(?P<identifier>[^/]+)/?$",
        views.AssessmentTestDetailView.as_view(),
        name="test",
    ),
    re_path(r"^validate/?$", views.ValidateView.as_view(), name="validate"),
    re_path(r"^validate/batch/?$", views.ValidateBatchView.as_view(), name="validate-batch"),
    # Learner feedback. A lesson id is the client's: it may hold a slash.
    re_path(r"^question/?$", views.QuestionFeedbackCreateView.as_view(), name="feedback-question"),
    re_path(r"^lesson/?$", views.LessonFeedbackCreateView.as_view(), name="feedback-lesson"),
    re_path(
        r"^lesson/(?P<lessonId>.+?)/?$",
        views.LessonFeedbackListView.as_view(),
        name="feedback-lesson-list",
    ),
    # Last: one segment at the site root, answering DELETE only (404 to any other method).
    re_path(rf"^{_FEEDBACK_ID}/?$", views.FeedbackDetailView.as_view(), name="feedback"),
]
