from django.urls import path

from blog.api import views

urlpatterns = [
    path("blog/articles/", views.ArticleList.as_view(), name="blog-articles"),
    path("blog/articles/<slug:slug>/", views.ArticleDetail.as_view(), name="blog-article"),
    path("blog/categories/", views.CategoryList.as_view(), name="blog-categories"),
    path("blog/categories/<slug:slug>/", views.CategoryDetail.as_view(), name="blog-category"),
]
