from django.urls import path

from blog import feeds, views

app_name = "blog"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("preview/<int:pk>/", views.preview, name="preview"),
    path("feeds/<str:language>/rss/", feeds.ArticleFeed(), name="rss"),
    path("feeds/<str:language>/atom/", feeds.AtomArticleFeed(), name="atom"),
    path("feeds/<str:language>/<slug:category>/rss/", feeds.ArticleFeed(), name="category_rss"),
    path("feeds/<str:language>/<slug:category>/atom/", feeds.AtomArticleFeed(), name="category_atom"),
    path("<str:language>/<slug:slug>/", views.article_detail, name="article"),
]
