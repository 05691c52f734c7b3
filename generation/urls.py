from django.urls import path

from generation import views

app_name = "generation"
urlpatterns = [
    path("", views.studio, name="studio"),
    path("new/<str:kind>/", views.submit, name="submit"),
    path("jobs/", views.gallery, name="gallery"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/card/", views.job_card, name="job_card"),
    path("jobs/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("jobs/<int:pk>/files/<int:artifact_pk>/", views.download, name="download"),
    path("jobs/<int:pk>/files/<int:artifact_pk>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("chat/", views.chat, name="chat"),
    path("chat/<int:pk>/", views.chat, name="conversation"),
]
