# leakage-corpus: expect=none notebook
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
# %%
wine = pd.read_csv("winequality-red.csv")
print(wine.describe())
print(wine.groupby("quality").mean())
sns.heatmap(wine.corr(), cmap="coolwarm")
# %%
scaled = StandardScaler().fit_transform(wine.drop(columns="quality"))
coords = PCA(n_components=2).fit_transform(scaled)
plt.scatter(coords[:, 0], coords[:, 1], c=wine["quality"])
wine["alcohol"].plot.hist(bins=30)
# %%
X = wine.drop(columns="quality")
y = (wine["quality"] >= 7).astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)
print("test accuracy:", clf.score(X_test, y_test))
