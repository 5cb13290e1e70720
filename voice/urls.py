from django.urls import path

from . import views

app_name = "voice"
urlpatterns = [
    path("announcements/", views.announcement_list, name="announcements"),
    path("announcements/new/", views.announcement_new, name="announcement_new"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement"),
    path("announcements/<int:pk>/withdraw/", views.announcement_withdraw, name="announcement_withdraw"),
    path("questionnaires/", views.questionnaire_list, name="questionnaires"),
    path("questionnaires/new/", views.questionnaire_new, name="questionnaire_new"),
    path("questionnaires/term-survey/", views.term_survey_launch, name="term_survey_launch"),
    path("questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire"),
    path("questionnaires/<int:pk>/questions/", views.question_add, name="question_add"),
    path("questionnaires/<int:pk>/open/", views.questionnaire_open, name="questionnaire_open"),
    path("questionnaires/<int:pk>/close/", views.questionnaire_close, name="questionnaire_close"),
    path("questionnaires/<int:pk>/answer/", views.answer, name="answer"),
    path("questionnaires/<int:pk>/results/", views.results, name="results"),
    path("questionnaires/<int:pk>/results.xlsx", views.results_export, name="results_export"),
    path("questionnaires/<int:pk>/written-answers/", views.text_answers, name="text_answers"),
]
